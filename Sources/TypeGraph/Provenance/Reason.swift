extension Decision {
  /// Why a pass decided what it did: a coded value, so that tools and the retention report
  /// (`--stats`) tell causes apart by case, not by reading text. `description` is the one place
  /// each case becomes the sentence `--explain`, `--explain-pruned` and the JSON outputs print
  /// (goldens hold those sentences); `Reason+Text.swift` has the wording.
  ///
  /// The standard passes' causes are cases of their own. A library user's pass gives its own
  /// with `.custom("…")`: one fixed text per cause, since `--stats` counts causes by it.
  public enum Reason: Hashable, Sendable {
    /// A pass outside rustbtf: its own sentence, without a trailing period.
    case custom(String)

    // MARK: demote-unrepresentable
    /// A DWARF construct with no BTF kind (`DW_TAG_variant_part`): the node became void.
    case noBTFKind(tag: UInt16)
    /// A C++/Rust reference type, written as a pointer (same layout).
    case referenceMappedToPointer(tag: UInt16)
    case atomicMappedToVolatile
    case immutableMappedToConst
    case zeroSizedBaseTypeMappedToStruct
    /// An enumeration of a size BTF enums cannot have (`#[repr(u128)]`), written as an INT.
    case wideEnumMappedToInt(bytes: UInt32)

    // MARK: lower-rust
    case dataCarryingEnum(LoweredEnum)
    case variantStructNamedAfterEnum(enumName: String)
    /// A variant part or variant node, pruned once its enum holds its variants.
    case foldedIntoEnum
    case unsizedTail(member: String, structBytes: UInt64)
    case repeatedMember(member: String)
    case rustBaseTypeAsTypedef(bytes: UInt32, encoding: BaseEncoding, cName: String)

    // MARK: select-symbols
    case namedBySymbol
    /// A FUNC_PROTO pruned with the only FUNC that used it.
    case prototypeOfPruned
    case noSymbol
    case compiledAsClone(symbol: String)
    case symbolIsAnotherCopy(name: String, symbolAddress: UInt64, address: UInt64)
    case symbolHasAnotherName(String)
    case noSymbolTable
    case changedCallingConvention
    case notTraceable
    case inlinedCopy
    case sameCode
    case duplicateName
    /// Several functions of one name with different prototypes; `units` are their compile
    /// units, in order, each once.
    case inconsistentPrototypes(definitions: Int, prototypes: Int, units: [String])
    /// A variable (or DATASEC) of another section than `.data..percpu` (`variables=percpu`).
    case notPercpu(section: String)
    /// In a namespace (Rust, C++), not at file scope.
    case notFileScope
    case artificialVariable
    /// pahole master's function rules (`select-symbols` `match=pahole`), one case per rule.
    /// A parameter without a name (pahole's `ftype__has_arg_names`); `index` from 0.
    case unnamedParameter(index: Int)
    /// A parameter's DWARF location is another register than its slot's.
    case unexpectedRegister(parameter: String, register: String, expected: String)
    /// A packed struct passed on the stack after the register arguments.
    case uncertainParameterLocation
    /// A clone's parameters come from other positions of the declared prototype.
    case reorderedParameters
    /// A parameter optimized out of a function whose ABI changed: `clone` is the `.constprop`/
    /// `.isra` symbol at its address, nil for `DW_CC_nocall`.
    case optimizedParameters(clone: String?)
    /// The name's symbols are at several addresses.
    case ambiguousAddress(symbols: Int, addresses: Int)
    /// A Rust function whose parameter is not where the C calling convention puts it.
    case notCABI(parameter: String, why: String)
    case noStaticAddress
    case notInDataSection
    case skippedVariablePrefix(String)
    /// At a section's first byte without a symbol of its name there: discarded by the linker.
    case discardedVariable(section: String)
    case voidVariable
    case unsizedVariable
    case variableTooLarge(bytes: UInt64)
    case offsetTooLarge(section: String, offset: UInt64)
    /// Where a variable kept before it in the same section lies (the same one, described by
    /// another unit, or an overlap): the kernel takes no overlapping DATASEC entries.
    case variableOverlaps(previous: String, section: String)
    case variablesNone

    // MARK: merge-bindgen-copies, dedup
    case sameLayout
    /// Dedup's merges (flat rows of the decision log, never a `Decision` of their own).
    case structurallyEqual

    // MARK: sanitize-names
    case invalidName
    case cKeyword
    case anonymousNeedsName
    /// Qualified by the namespace path; `alsoInvalid` when the name was not a valid identifier
    /// either (a keyword qualified is none any more, so only the qualification counts).
    case qualified(Qualification, alsoInvalid: Bool)

    // MARK: prune-dependents
    case byValueCycle(through: NodeText)
    /// A member whose type lost its size, kept as opaque bytes (`namedAs`: the name an
    /// anonymous one was given).
    case memberOpaque(MemberLabel, bytes: UInt64, namedAs: String?)
    case memberUnsizedDropped(MemberLabel)
    case memberPastEnd(MemberLabel, typeBytes: UInt64)
    case floatMisaligned(MemberLabel, bytes: UInt64, namedAs: String?)
    case memberUnsizedStrict(MemberLabel)
    case elementUnsizedStrict
    case elementsOpaque(bytes: UInt64)
    case elementUnsized
    case parameterUnsized(index: Int)
    case returnUnsized
    case prototypeRemoved
    case variableTypeUnsized
    case targetRemoved
    case emptyDataSection

    // MARK: tag-kfuncs
    /// A kfunc (its name in a `.BTF_ids` kfunc set): DECL_TAG `bpf_kfunc` on its FUNC, and
    /// `bpf_fastcall` too when its flags have `KF_FASTCALL`.
    case kfuncTagged(fastcall: Bool)
    /// A kfunc flagged `KF_ARENA_RET`/`KF_ARENA_ARG1`/`KF_ARENA_ARG2`: those pointers now point
    /// through a TYPE_TAG attribute `address_space(1)`, in a new FUNC_PROTO; `sharedPrototype`
    /// when other nodes keep using the old one.
    case arenaAddressSpace(returnValue: Bool, parameters: [Int], sharedPrototype: Bool)
    /// A kfunc's FUNC_PROTO that nothing uses once the kfunc has its arena-tagged copy.
    case prototypeReplaced
  }
}

extension Decision.Reason {
  /// How a Rust base type's C counterpart is encoded.
  public enum BaseEncoding: Hashable, Sendable {
    case unsignedInt, signedInt, boolInt, float
  }

  /// Why `sanitize-names` qualified a name.
  public enum Qualification: Hashable, Sendable {
    /// Its name stands for nodes of different namespace paths.
    case ambiguous
    /// `qualify=all`.
    case all
  }

  /// A member as reasons name it: `'name'`, or `(anon)@8` by byte offset.
  public enum MemberLabel: Hashable, Sendable {
    case named(String)
    case anonymous(byte: UInt64)
  }

  /// A node as `TypeGraph.describe` shows it: `STRUCT 'name' #12 [die 0x2a]`.
  public struct NodeText: Hashable, Sendable {
    public var kind: String
    public var name: String
    public var id: TypeID
    public var dieOffset: UInt64
    public init(kind: String, name: String, id: TypeID, dieOffset: UInt64) {
      self.kind = kind
      self.name = name
      self.id = id
      self.dieOffset = dieOffset
    }
  }

  /// What `lower-rust` made of a data-carrying enum; the values of every variant are in it, so
  /// `--explain` documents what BTF cannot hold.
  public struct LoweredEnum: Hashable, Sendable {
    public enum DiscriminantType: Hashable, Sendable {
      /// An ENUM (ENUM64 above 4 bytes) of the variants' values.
      case enumeration(bytes: UInt32)
      /// Its own integer: too wide for a BTF enum.
      case integerTooWide(bytes: UInt32)
      /// Its own integer: no variant has a value that fits an enum.
      case integerWithoutValues(bytes: UInt32)
      /// Its own type, not an integer (`kind`: the BTF kind's name).
      case ownType(kind: String)
    }
    public struct Discriminant: Hashable, Sendable {
      public var name: String
      public var byte: UInt64
      public var type: DiscriminantType
      public init(name: String, byte: UInt64, type: DiscriminantType) {
        self.name = name
        self.byte = byte
        self.type = type
      }
    }
    public enum Value: Hashable, Sendable {
      /// A default variant (no `DW_AT_discr_value`): any other value.
      case anyOther
      case value(UInt64)
      /// A value wider than 64 bits, as the importer kept it (hex text).
      case wide(String)
    }
    public struct Variant: Hashable, Sendable {
      public var name: String
      public var value: Value
      public init(name: String, value: Value) {
        self.name = name
        self.value = value
      }
    }
    /// A variant's field not at offset 0 (which no union member can place), by byte offset.
    public struct DroppedField: Hashable, Sendable {
      public var name: String
      public var byte: UInt64
      public init(name: String, byte: UInt64) {
        self.name = name
        self.byte = byte
      }
    }
    /// Nil without `DW_AT_discr`.
    public var discriminant: Discriminant?
    public var variants: [Variant]
    public var dropped: [DroppedField]
    public init(discriminant: Discriminant?, variants: [Variant], dropped: [DroppedField]) {
      self.discriminant = discriminant
      self.variants = variants
      self.dropped = dropped
    }
  }
}
