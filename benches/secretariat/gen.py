"""A forum-sized folder: FILES guidelines with PER recommendations each,
every one with titles in two languages, a Danish strength mark, a priority,
a stratification and an inline test; and, beside it, the same folder with
one threshold moved in every file (for `guidepath diff`).

Usage: python3 gen.py DIR FILES PER
"""
import os
import sys

out, files, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for side in ("old", "new"):
    os.makedirs(os.path.join(out, side), exist_ok=True)
    for f in range(files):
        bound = 50 if side == "old" else 49
        lines = [
            f'guideline gen.g{f} "Genereret {f}" {{',
            '  title en "Generated"',
            '  issuer "guidepath" version "1" status active since 2020-01-01',
            '  review by 2030-01-01 language da source "generated"',
            "}",
            "",
            "input {",
            "  age   : integer years in 0..130",
            "  score : integer points in 0..100",
            "  pain  : boolean",
            "}",
            "",
            "define adult = age >= 18",
            "",
            "stratify level of adult by score {",
            f"  low  when score <= {bound}",
            f"  high when score > {bound}",
            "}",
            "",
        ]
        for r in range(per):
            lines += [
                f'recommend r{r} "Anbefaling {r}" {{',
                f'  title en "Recommendation {r}"',
                f"  when age >= {18 + r % 50} and pain and level is {'low' if r % 2 else 'high'}",
                "  strength ↑",
                f"  priority {1 + r % 5}",
                "}",
                "",
            ]
        lines += [
            'test "an adult in pain, low score" {',
            "  given { age: 70, score: 10, pain: true }",
            "  expect r1 applies",
            "}",
            "",
        ]
        with open(os.path.join(out, side, f"g{f}.guide"), "w") as fh:
            fh.write("\n".join(lines))
