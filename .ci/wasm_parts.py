#!/usr/bin/env python3
"""What the page's WebAssembly holds, by part: reads `twiggy top --format csv`
of the wasm before wasm-opt (names kept) and sums the code and data by the
part of Hoplab or the crate it comes from, then lists the largest items.

    twiggy top -n 1000000 --format csv target/.../hoplab.wasm | python3 .ci/wasm_parts.py

Custom sections (function names) and wasm-bindgen's descriptor functions
are left out: wasm-bindgen and wasm-opt drop them before the page is served.
"""
import collections
import csv
import re
import sys

# (part, a substring of the item's name); the first that matches wins, so
# Hoplab's own modules come before the crates their generic code is in.
PARTS = [
    ("engine: deserializers (serde, for the types a file or link carries)", r"hoplab::.*Deserializ|hoplab::.*__Visitor|hoplab::.*__FieldVisitor"),
    ("engine: serializers", r"hoplab::.*Serializ"),
    ("engine (sim)", r"hoplab::sim::"),
    ("app: components (ui)", r"hoplab::ui"),
    ("app: presentation (view)", r"hoplab::view"),
    ("lessons", r"hoplab::lesson"),
    ("classroom (links, saving)", r"hoplab::classroom"),
    ("hoplab, other", r"hoplab::"),
    ("serde machinery (generic)", r"serde"),
    ("leptos (tachys, reactive_graph)", r"tachys|reactive_graph|leptos"),
    ("wasm-bindgen, js-sys, web-sys", r"wasm_bindgen|js_sys|web_sys"),
    ("core::fmt and numbers to text", r"core::fmt|fmt::|flt2dec|float_to_decimal"),
    ("core, alloc, std (collections, sorting, drops)", r"core(\[\w+\])?::|alloc(\[\w+\])?::|std(\[\w+\])?::|<str>|<char>|hashbrown|dlmalloc|compiler_builtins|indexmap|__rustc"),
    ("constant data (strings, tables)", r"^data segment"),
]


def main():
    rows = list(csv.DictReader(sys.stdin))
    sums = collections.Counter()
    items = []
    for r in rows:
        name, size = r["Name"], int(r["ShallowSize"])
        if (
            name.startswith(("\"function names\"", "custom section", "Σ", "..."))
            or "__wbindgen_describe" in name
        ):
            continue
        part = next((p for p, pat in PARTS if re.search(pat, name)), "other (unnamed, tables, imports)")
        sums[part] += size
        items.append((size, re.sub(r"::h[0-9a-f]{16}$", "", name)))
    total = sum(sums.values())
    print(f"    {'part':<66} {'bytes':>9} {'share':>6}")
    for part, size in sums.most_common():
        print(f"    {part:<66} {size:>9} {100 * size / total:5.1f}%")
    print(f"    {'total (code and data before wasm-opt, no custom sections)':<66} {total:>9}")
    print("    largest items:")
    for size, name in sorted(items, reverse=True)[:12]:
        print(f"    {size:>9}  {name[:110]}")


if __name__ == "__main__":
    main()
