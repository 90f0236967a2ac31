#!/usr/bin/env bash
# Regenerates docs/images/ (the README's pictures) from a demo run, so they are always what
# the code makes: `make demo` runs Recipes/quickstart.yaml into Outputs/quickstart, and this
# copies each picture the README shows out of the step that made it, then prints the numbers
# the README's captions quote. `make doc-images` does both.
# Usage: scripts/update-doc-images.sh [RUN]   (default: Outputs/quickstart)
set -euo pipefail
cd "$(dirname "$0")/.."
RUN="${1:-Outputs/quickstart}"
[ -f "$RUN/result.json" ] || { echo "update-doc-images: $RUN holds no recipe run; run \`make demo\` first" >&2; exit 1; }

python3 - "$RUN" docs/images README.md <<'PY'
import json, os, re, shutil, sys

run, out, readme = sys.argv[1:4]

def result(step):
    with open(os.path.join(run, step, "result.json")) as f:
        return json.load(f)

# The strongest channel's guided-backprop reconstruction (the deconv step's first guided entry).
guided = next(os.path.basename(r["image"]) for r in result("deconv-cat")["reconstructions"] if r["rule"] == "guided")

# README picture ← (quickstart step, file in the step's run folder)
pictures = {
    "class-prototypes.png": ("prototypes", "contact-sheet.png"),
    "filters-blocks-8.png": ("filters-blocks-8", "contact-sheet.png"),
    "cat.png": ("gradcam-cat", "input.png"),
    "guided-cat.png": ("deconv-cat", guided),
    "gradcam-cat.png": ("gradcam-cat", "gradcam.png"),
    "panda.png": ("panda-to-gibbon", "original.png"),
    "panda-adversarial.png": ("panda-to-gibbon", "adversarial.png"),
    "panda-perturbation.png": ("panda-to-gibbon", "perturbation.png"),
    "fashion-robustness.svg": ("fashion-robustness", "accuracy.svg"),
}

shown = set(re.findall(r"docs/images/([\w.-]+)", open(readme).read()))
if shown - pictures.keys():
    sys.exit(f"update-doc-images: README.md shows {sorted(shown - pictures.keys())}, which no demo step makes")
for name, (step, file) in pictures.items():
    shutil.copyfile(os.path.join(run, step, file), os.path.join(out, name))
    print(f"{out}/{name:24} <- {run}/{step}/{file}")

# The captions quote these numbers; compare them with the README.
print("\nNumbers the README's captions quote (from each step's card.json):")
for step in ["prototypes", "panda-to-gibbon", "filters-blocks-8", "fashion-robustness"]:
    with open(os.path.join(run, step, "card.json")) as f:
        card = json.load(f)
    figures = [f["label"] + " " + " ".join(q["prefix"] + str(q.get("value")) for q in f["values"]) for f in card["figures"]]
    print(f"  {step}: " + " · ".join(figures) + (" · " + card["verdict"]["text"] if card.get("verdict") else ""))
PY
