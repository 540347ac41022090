#!/usr/bin/python3
"""match_diff.py - reference values for the differential test of
engine/match-sim.c (run by tests/match-diff.sh).

Generates string pairs deterministically (seeded) and writes one TSV line per
pair: the two strings as hex of their UTF-8 bytes, then the references
  Levenshtein.distance                    (python3-levenshtein)
  jellyfish.damerau_levenshtein_distance  (python3-jellyfish)
  jellyfish.jaro_similarity
  jellyfish.jaro_winkler_similarity       (long_tolerance=False, the default)
Floats are written with repr(), which round-trips exactly through strtod.

Some pairs hold invalid UTF-8; they are compared as decoded with one U+FFFD
per invalid byte, which is what mdg_utf8_decode does.

Usage: /usr/bin/python3 tests/match_diff.py OUT.tsv [COUNT] [SEED]
Exit 77 when the reference modules are missing.
"""
import codecs
import random
import sys
import warnings

warnings.simplefilter("ignore")
try:
    import jellyfish
    import Levenshtein
except ImportError as e:
    sys.stderr.write("match_diff.py: %s (install python3-jellyfish and "
                     "python3-levenshtein for /usr/bin/python3)\n" % e)
    sys.exit(77)


def _per_byte(err):
    return ("\ufffd" * (err.end - err.start), err.end)


codecs.register_error("mdg_per_byte", _per_byte)

ASCII = "".join(chr(c) for c in range(0x20, 0x7F))
SMALL = "abc"
ACCENTED = ("aeiouyAEIOU" + "éèêëüöäßøłñçåæœ"
            + "ąęśźżčřšžőűİıÉÜÖÄØŁ")
ASTRAL = ["😀", "😁", "😂", "🤣", "👍", "👍🏽", "🇩🇪", "🇫🇷", "𝔘", "𝔫",
          "𠀀", "𠀁", "🏳️‍🌈", "👨‍👩‍👧", "\u0301", "\u200d", "€", "ß",
          "a", "b"]
SPACES = [" ", "  ", "\t", "\u00a0", "\u3000"]

FIRST = ["Müller", "Schmidt", "Nordic", "Łódź", "Øresund", "Acme", "Global",
         "Précision", "Société", "Steel", "Bolt", "Fastener", "Industrial",
         "Werkzeug", "Hansa", "Baltic", "Iberia", "Atlas", "Zenith", "Delta",
         "Omega", "Krakowskie", "Göteborg", "São Paulo", "Ñandú", "Straße"]
SECOND = ["Metall", "Technik", "Components", "Supply", "Trading", "Holding",
          "Logistics", "Maschinenbau", "Industries", "Systems", "Parts",
          "Fabrik", "Hydraulics", "Electric", "Chemie", "Solutions", ""]
LEGAL = ["GmbH", "AG", "GmbH & Co. KG", "Ltd", "Limited", "Inc.", "LLC",
         "S.A.", "S.A. de C.V.", "Sp. z o.o.", "S.r.l.", "S.p.A.", "B.V.",
         "N.V.", "Oy", "AB", "A/S", ""]


def rand_str(rng, alphabet, lo, hi):
    n = rng.randint(lo, hi)
    return "".join(rng.choice(alphabet) for _ in range(n))


def mutate(rng, s, alphabet, edits):
    s = list(s)
    for _ in range(edits):
        op = rng.randrange(4)
        if op == 0 or not s:
            s.insert(rng.randint(0, len(s)), rng.choice(alphabet))
        elif op == 1:
            del s[rng.randrange(len(s))]
        elif op == 2:
            s[rng.randrange(len(s))] = rng.choice(alphabet)
        elif len(s) >= 2:
            i = rng.randrange(len(s) - 1)
            s[i], s[i + 1] = s[i + 1], s[i]
    return "".join(s)


def transpose(rng, s):
    if len(s) < 2:
        return s
    i = rng.randrange(len(s) - 1)
    return s[:i] + s[i + 1] + s[i] + s[i + 2:]


def supplier(rng):
    parts = [rng.choice(FIRST), rng.choice(SECOND), rng.choice(LEGAL)]
    name = " ".join(p for p in parts if p)
    if rng.random() < 0.3:
        name = name.upper()
    return name


def supplier_variant(rng, name):
    r = rng.random()
    if r < 0.2:
        return name.lower()
    if r < 0.4:
        return name.replace(" ", "  ", 1)
    if r < 0.5:
        return name.replace("ü", "ue").replace("ö", "oe").replace("ß", "ss")
    if r < 0.6:
        return " ".join(reversed(name.split()))
    if r < 0.8:
        return mutate(rng, name, ASCII, rng.randint(1, 3))
    return transpose(rng, name)


def gen_pairs(rng, count):
    """Yields (a, b) as bytes."""
    kinds = ["ascii", "small", "accented", "empty", "long", "astral",
             "edit1", "transpose", "supplier", "invalid", "prefix"]
    for k in range(count):
        kind = kinds[k % len(kinds)]
        if kind == "ascii":
            a = rand_str(rng, ASCII, 0, 20)
            b = rand_str(rng, ASCII, 0, 20) if rng.random() < 0.5 else \
                mutate(rng, a, ASCII, rng.randint(0, 5))
        elif kind == "small":
            a = rand_str(rng, SMALL, 0, 12)
            b = rand_str(rng, SMALL, 0, 12)
        elif kind == "accented":
            a = rand_str(rng, ACCENTED, 0, 25)
            b = mutate(rng, a, ACCENTED, rng.randint(0, 6))
        elif kind == "empty":
            x = rand_str(rng, ACCENTED + ASCII, 0, 10)
            a, b = rng.choice([("", x), (x, ""), ("", "")])
        elif kind == "long":
            alpha = rng.choice([ASCII, ACCENTED, SMALL + "xyz"])
            a = rand_str(rng, alpha, 300, 600)
            r = rng.random()
            if r < 0.6:
                b = mutate(rng, a, alpha, rng.randint(0, 40))
            elif r < 0.8:
                b = rand_str(rng, alpha, 250, 650)
            else:
                b = rand_str(rng, alpha, 0, 40)
            if rng.random() < 0.5:
                a, b = b, a
        elif kind == "astral":
            a = rand_str(rng, ASTRAL, 0, 15)
            b = mutate(rng, a, ASTRAL, rng.randint(0, 4))
        elif kind == "edit1":
            a = rand_str(rng, rng.choice([ASCII, ACCENTED]), 1, 20)
            b = mutate(rng, a, ACCENTED, 1)
        elif kind == "transpose":
            a = rand_str(rng, rng.choice([ASCII, ACCENTED, SMALL]), 2, 20)
            b = transpose(rng, a)
        elif kind == "supplier":
            a = supplier(rng)
            b = supplier_variant(rng, a) if rng.random() < 0.7 \
                else supplier(rng)
            if rng.random() < 0.2:
                a += rng.choice(SPACES)
        elif kind == "prefix":
            p = rand_str(rng, ASCII, 0, 6)
            a = p + rand_str(rng, ASCII, 0, 8)
            b = p + rand_str(rng, ASCII, 0, 8)
        else:
            ab = bytes(rng.randrange(256) for _ in range(rng.randint(0, 12)))
            bb = bytearray(ab)
            if bb and rng.random() < 0.7:
                bb[rng.randrange(len(bb))] = rng.randrange(256)
            yield ab, bytes(bb)
            continue
        yield a.encode("utf-8"), b.encode("utf-8")


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("usage: match_diff.py OUT.tsv [COUNT] [SEED]\n")
        return 2
    count = int(argv[2]) if len(argv) > 2 else 12000
    seed = int(argv[3]) if len(argv) > 3 else 20240605
    rng = random.Random(seed)
    with open(argv[1], "w", encoding="ascii") as out:
        out.write("# a_hex\tb_hex\tlevenshtein\tdamerau_levenshtein\t"
                  "jaro\tjaro_winkler\n")
        for ab, bb in gen_pairs(rng, count):
            a = ab.decode("utf-8", "mdg_per_byte")
            b = bb.decode("utf-8", "mdg_per_byte")
            out.write("%s\t%s\t%d\t%d\t%r\t%r\n" % (
                ab.hex(), bb.hex(),
                Levenshtein.distance(a, b),
                jellyfish.damerau_levenshtein_distance(a, b),
                jellyfish.jaro_similarity(a, b),
                jellyfish.jaro_winkler_similarity(a, b)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
