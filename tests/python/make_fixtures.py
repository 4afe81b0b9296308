"""Regenerates every committed PyTorch fixture of the project.

Run with Debian's Python and packages (python3-torch 1.13, python3-torchvision 0.14,
python3-numpy, python3-scipy, python3-sklearn, python3-pil):

    /usr/bin/python3 tests/python/make_fixtures.py            # everything
    /usr/bin/python3 tests/python/make_fixtures.py ops ed     # some of them

Maven never runs it; the tests read the committed files. Fixtures that are too large to
commit (backbone weights, published checkpoints) are written at test time by
backbone_reference.py and published_checkpoint.py instead.
"""
import importlib
import os
import sys

SCRIPTS = {
    "ops": "fixtures_ops",          # tests/src/test/resources/fixtures/ops
    "nn": "fixtures_nn",            # tests/src/test/resources/fixtures/nn
    "ed": "fixtures_ed",            # tests/src/test/resources/fixtures/ed
    "weights": "fixtures_weights",  # tensor/ and nn/ src/test/resources/fixtures
    "images": "fixtures_images",    # datasets/src/test/resources/fixtures/images
    "metrics": "fixtures_metrics",  # ed-model/src/test/resources/fixtures/metrics
}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    os.chdir(here)
    chosen = sys.argv[1:] or list(SCRIPTS)
    for name in chosen:
        if name not in SCRIPTS:
            sys.exit(f"unknown fixture set '{name}'; choose from {', '.join(SCRIPTS)}")
        print(f"== {name}")
        importlib.import_module(SCRIPTS[name]).main()


if __name__ == "__main__":
    main()
