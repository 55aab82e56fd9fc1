#!/usr/bin/env python3
"""Writes assembler (x86-64, GNU syntax) whose DWARF 4 has a shape compilers do not make, or
make only at great cost: `clang -c shape.s -o shape.o` turns it into an object rustbtf and
pahole read. Tests (Tests/RustBTFTests/DWARFShapeTests.swift) and the dedup benchmark in the
README use it.

    dwarf_shapes.py SHAPE [N] > shape.s

Shapes:
  pointer-chain N   two units of N anonymous pointers, each to the next, the last to `int`,
                    and a variable of the first (dedup merges the two chains; a refinement
                    in rounds peels one pointer off per round)
  const-chain N     the same with const qualifiers, the last on `int`
  nested N          N structs, each defined inside the one before (DIE nesting N deep):
                    s0 { int x; s1 m; }, ..., s{N-1} { int x; }; a variable of s0
  dangling-outside  a typedef whose DW_AT_type points past the end of .debug_info
  dangling-middle   a typedef whose DW_AT_type points into the middle of the `int` DIE
  cycle-self        a pointer whose DW_AT_type is itself, and a variable of it
  cycle-typedef     a pointer to a typedef of that pointer, and a variable of it
  units N           N compile units of one struct each (a walk split in many ranges)
  copies N          N Rust units repeating the same types, which dedup at import merges when
                    they share a range: `Option<i32>` in core::option and `bad.name` (both
                    renamed by sanitize-names), `Shape` in a and, of another layout, in b
                    (qualified), anonymous structs in core::option and in alloc, and
                    anonymous pointers to `int` in both (which merge whatever their path)
  forward-later     a unit declaring `struct foo` before defining it, and a second unit whose
                    typedef `foo_t` names the declaration by DW_FORM_ref_addr (dedup at import
                    merges the declaration into the definition after it, in the first unit's range)
"""
import sys

# Abbreviation codes: (tag, has children, [(attribute, form)]).
ABBREVS = {
    1: (0x11, 1, [(0x25, 0x08), (0x13, 0x05), (0x03, 0x08)]),  # compile_unit: producer, language, name
    2: (0x24, 0, [(0x03, 0x08), (0x3E, 0x0B), (0x0B, 0x0B)]),  # base_type: name, encoding, byte_size
    3: (0x0F, 0, [(0x0B, 0x0B), (0x49, 0x13)]),  # pointer_type: byte_size, type
    4: (0x26, 0, [(0x49, 0x13)]),  # const_type: type
    5: (0x16, 0, [(0x03, 0x08), (0x49, 0x13)]),  # typedef: name, type
    6: (0x13, 1, [(0x03, 0x08), (0x0B, 0x0F)]),  # structure_type: name, byte_size (udata)
    7: (0x0D, 0, [(0x03, 0x08), (0x49, 0x13), (0x38, 0x0F)]),  # member: name, type, data_member_location
    8: (0x34, 0, [(0x03, 0x08), (0x49, 0x13), (0x3F, 0x19), (0x02, 0x18)]),  # variable: name, type, external, location
    9: (0x39, 1, [(0x03, 0x08)]),  # namespace: name
    10: (0x13, 1, [(0x0B, 0x0F)]),  # structure_type: byte_size (udata), anonymous
    11: (0x13, 0, [(0x03, 0x08), (0x3C, 0x19)]),  # structure_type: name, declaration
    12: (0x16, 0, [(0x03, 0x08), (0x49, 0x10)]),  # typedef: name, type (ref_addr)
}


def uleb(v):
    out = []
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return out


class Writer:
    def __init__(self):
        self.lines = []
        self.units = 0
        self.variables = []

    def emit(self, s):
        self.lines.append(s)

    def begin_unit(self, name, language=0x0C):
        u = self.units
        self.units += 1
        self.unit = u
        self.emit(f".Lcu{u}:")
        self.emit(f"\t.long .Lcu{u}_end - .Lcu{u}_version")
        self.emit(f".Lcu{u}_version:")
        self.emit("\t.short 4")
        self.emit("\t.long .Labbrev")
        self.emit("\t.byte 8")
        self.emit("\t.uleb128 1")
        self.emit('\t.asciz "dwarf_shapes.py"')
        self.emit(f"\t.short {language:#x}")  # DW_LANG_C99 (0x0c) unless told
        self.emit(f'\t.asciz "{name}.c"')

    def end_unit(self):
        self.emit("\t.byte 0")
        self.emit(f".Lcu{self.unit}_end:")

    def label(self, name):
        self.emit(f".L{name}_{self.unit}:")

    def ref(self, name):
        """A DW_FORM_ref4 to DIE `name` of the current unit."""
        self.emit(f"\t.long .L{name}_{self.unit} - .Lcu{self.unit}")

    def int_type(self):
        self.label("int")
        self.emit("\t.uleb128 2")
        self.emit('\t.asciz "int"')
        self.emit("\t.byte 5")  # DW_ATE_signed
        self.emit("\t.byte 4")

    def int_struct(self, name):
        """A 4-byte struct `name` with one member `x` of the unit's `int` (abbreviations 6 and 7)."""
        self.emit("\t.uleb128 6")
        self.emit(f'\t.asciz "{name}"')
        self.emit("\t.uleb128 4")
        self.emit("\t.uleb128 7")
        self.emit('\t.asciz "x"')
        self.ref("int")
        self.emit("\t.uleb128 0")
        self.emit("\t.byte 0")

    def variable(self, name, type_label):
        self.emit("\t.uleb128 8")
        self.emit(f'\t.asciz "{name}"')
        self.ref(type_label)
        self.emit("\t.uleb128 9")
        self.emit("\t.byte 3")  # DW_OP_addr
        self.emit(f"\t.quad {name}")
        self.variables.append(name)

    def text(self):
        out = ['\t.section .debug_abbrev,"",@progbits', ".Labbrev:"]
        for code, (tag, children, attrs) in ABBREVS.items():
            out.append("\t.byte " + ", ".join(map(str, uleb(code) + uleb(tag) + [children])))
            for at, form in attrs:
                out.append("\t.byte " + ", ".join(map(str, uleb(at) + uleb(form))))
            out.append("\t.byte 0, 0")
        out.append("\t.byte 0")
        out.append('\t.section .debug_info,"",@progbits')
        out += self.lines
        out.append("\t.data")
        for v in self.variables:
            out += [f"\t.globl {v}", f"\t.type {v}, @object", f"\t.size {v}, 8", f"{v}:", "\t.quad 0"]
        return "\n".join(out) + "\n"


def chain(w, n, code):
    for u in range(2):
        w.begin_unit(f"chain{u}")
        w.int_type()
        w.variable(f"head{u}", "t0")
        for i in range(n):
            w.label(f"t{i}")
            w.emit(f"\t.uleb128 {code}")
            if code == 3:
                w.emit("\t.byte 8")
            w.ref(f"t{i + 1}" if i + 1 < n else "int")
        w.end_unit()


def nested(w, n):
    w.begin_unit("nested")
    w.int_type()
    w.variable("outer", "s0")
    for i in range(n):
        last = i == n - 1
        w.label(f"s{i}")
        w.emit("\t.uleb128 6")
        w.emit(f'\t.asciz "s{i}"')
        w.emit(f"\t.uleb128 {4 * (n - i)}")
        w.emit("\t.uleb128 7")
        w.emit('\t.asciz "x"')
        w.ref("int")
        w.emit("\t.uleb128 0")
        if not last:
            w.emit("\t.uleb128 7")
            w.emit('\t.asciz "m"')
            w.ref(f"s{i + 1}")
            w.emit("\t.uleb128 4")
    for i in range(n):
        w.emit("\t.byte 0")  # ends the children of s{n-1} ... s0
    w.end_unit()


def dangling(w, where):
    w.begin_unit("dangling")
    w.int_type()
    w.variable("value", "t")
    w.label("t")
    w.emit("\t.uleb128 5")
    w.emit('\t.asciz "broken_t"')
    if where == "outside":
        w.emit("\t.long 0x7fff0000")
    else:
        w.emit(f"\t.long .Lint_{w.unit} - .Lcu{w.unit} + 2")
    w.end_unit()


def cycle(w, through_typedef):
    w.begin_unit("cycle")
    w.int_type()
    w.variable("loop", "p")
    w.label("p")
    w.emit("\t.uleb128 3")
    w.emit("\t.byte 8")
    w.ref("t" if through_typedef else "p")
    if through_typedef:
        w.label("t")
        w.emit("\t.uleb128 5")
        w.emit('\t.asciz "loop_t"')
        w.ref("p")
    w.end_unit()


def units(w, n):
    for i in range(n):
        w.begin_unit(f"unit{i}")
        w.int_type()
        w.variable(f"v{i}", "s")
        w.label("s")
        w.int_struct(f"struct{i}")
        w.end_unit()


def copies(w, n):
    def struct(name, members, size=None):
        w.label(name.replace("<", "_").replace(">", "_").replace(".", "_").replace(" ", "_"))
        if name.startswith("anon"):
            w.emit("\t.uleb128 10")
        else:
            w.emit("\t.uleb128 6")
            w.emit(f'\t.asciz "{name.split(" ")[0]}"')
        w.emit(f"\t.uleb128 {size or 4 * len(members)}")
        for k, m in enumerate(members):
            w.emit("\t.uleb128 7")
            w.emit(f'\t.asciz "{m}"')
            w.ref("int")
            w.emit(f"\t.uleb128 {4 * k}")
        w.emit("\t.byte 0")

    def pointer():
        w.emit("\t.uleb128 3")
        w.emit("\t.byte 8")
        w.ref("int")

    def namespace(name):
        w.emit("\t.uleb128 9")
        w.emit(f'\t.asciz "{name}"')

    for i in range(n):
        w.begin_unit(f"copies{i}", language=0x1C)  # DW_LANG_Rust
        w.int_type()
        namespace("core")
        namespace("option")
        struct("Option<i32>", ["x"])
        struct("anon in option", ["x"])
        pointer()
        w.emit("\t.byte 0, 0")  # ends option, core
        namespace("alloc")
        struct("anon in alloc", ["x"])
        pointer()
        w.emit("\t.byte 0")
        namespace("a")
        struct("Shape in a", ["x"])
        w.emit("\t.byte 0")
        namespace("b")
        struct("Shape in b", ["x", "y"])
        w.emit("\t.byte 0")
        struct("bad.name", ["x"])
        w.variable(f"option{i}", "Option_i32_")
        w.end_unit()


def forward_later(w):
    w.begin_unit("forward0")
    w.int_type()
    w.label("decl")
    w.emit("\t.uleb128 11")
    w.emit('\t.asciz "foo"')
    w.int_struct("foo")
    w.end_unit()
    w.begin_unit("forward1")
    w.int_type()
    w.emit("\t.uleb128 12")
    w.emit('\t.asciz "foo_t"')
    w.emit("\t.long .Ldecl_0 - .Lcu0")  # DW_FORM_ref_addr: an offset in .debug_info
    w.end_unit()


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    shape, n = argv[1], int(argv[2]) if len(argv) > 2 else 0
    w = Writer()
    if shape == "pointer-chain":
        chain(w, n, 3)
    elif shape == "const-chain":
        chain(w, n, 4)
    elif shape == "nested":
        nested(w, n)
    elif shape in ("dangling-outside", "dangling-middle"):
        dangling(w, shape.split("-")[1])
    elif shape in ("cycle-self", "cycle-typedef"):
        cycle(w, shape == "cycle-typedef")
    elif shape == "units":
        units(w, n)
    elif shape == "copies":
        copies(w, n)
    elif shape == "forward-later":
        forward_later(w)
    else:
        sys.exit(f"unknown shape {shape}\n{__doc__}")
    sys.stdout.write(w.text())


if __name__ == "__main__":
    main(sys.argv)
