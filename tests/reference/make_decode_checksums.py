"""Checksums of the fixture JPEGs as OpenCV decodes them (the official reader:
cv2.imread(IMREAD_COLOR | IMREAD_IGNORE_ORIENTATION), then BGR -> RGB), so that a test can
check that our decoders give the same pixels without OpenCV being present.

    pip install opencv-python-headless
    python3 tests/reference/make_decode_checksums.py --data ../shared/data \
        --out tests/fixtures/decode/opencv_rgb_crc32.json
"""
import argparse
import zlib
import json
import os

import cv2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    out = {"opencv": cv2.__version__, "images": {}}
    for sub in ("coco-mini/images/val2017", "mpii-mini/images"):
        d = os.path.join(a.data, sub)
        for name in sorted(os.listdir(d)):
            if not name.endswith(".jpg"):
                continue
            im = cv2.imread(os.path.join(d, name), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
            rgb = cv2.cvtColor(im, cv2.COLOR_BGR2RGB)
            out["images"][f"{sub}/{name}"] = {
                "width": int(rgb.shape[1]), "height": int(rgb.shape[0]),
                "crc32": zlib.crc32(rgb.tobytes()), "sum": int(rgb.sum(dtype="int64"))}
    with open(a.out, "w") as f:
        json.dump(out, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
