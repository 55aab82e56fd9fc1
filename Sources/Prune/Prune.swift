import TypeGraph
