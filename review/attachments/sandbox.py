"""The child process that makes safe derivatives of an untrusted attachment.

Run as ``python -I sandbox.py MODE SOURCE DEST`` by :mod:`.derive`; standalone
(the standard library and Pillow only). Before touching the file it lowers
its own limits (address space, CPU time, file size, open files) so that a
decompression bomb or a parser bug costs at most this process. Modes:

- ``image-preview``: Pillow decodes, applies the EXIF orientation, scales to
  at most 1600 px and writes a new PNG (pixels only, no metadata);
- ``image-clean``: the same pixels at full size, re-encoded in the same
  format (JPEG, PNG, WebP, GIF, TIFF → PNG) with no metadata at all;
- ``pdf-preview``: poppler's ``pdftoppm`` draws page 1, then Pillow re-encodes it;
- ``pdf-clean``: ``pdftoppm`` draws every page (at most 300) at 150 dpi and
  Pillow writes them as a new image-only PDF (no text layer, scripts,
  forms, attachments or document information survive).

Exit status 0 on success, 3 for a file it cannot read, 4 for an unsupported mode.
"""

import os
import resource
import subprocess
import sys
import tempfile

LIMITS = {
    resource.RLIMIT_AS: 2 * 1024**3,
    resource.RLIMIT_CPU: 120,
    resource.RLIMIT_FSIZE: 1024**3,
    resource.RLIMIT_NOFILE: 256,
}
MAX_PIXELS = 80_000_000
MAX_PAGES = 300
FIXED_DATE = __import__("time").gmtime(946684800)  # 2000-01-01
"""Dates written into a cleaned PDF (not the time of cleaning)."""


def limit() -> None:
    for name, value in LIMITS.items():
        soft, hard = resource.getrlimit(name)
        ceiling = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(name, (ceiling, ceiling))


def pixels(image):
    """Only the pixels of ``image`` (orientation applied): a new image with no info or metadata."""
    from PIL import Image, ImageOps

    image = ImageOps.exif_transpose(image)
    mode = "RGBA" if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info else "RGB"
    bare = image.convert(mode)
    return Image.frombytes(bare.mode, bare.size, bare.tobytes())


def open_image(path):
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    image = Image.open(path)
    image.load()
    return image


def image_preview(source, dest):
    image = pixels(open_image(source))
    image.thumbnail((1600, 1600))
    image.save(dest, "PNG")


def image_clean(source, dest):
    original = open_image(source)
    kind = original.format
    image = pixels(original)
    if kind == "JPEG":
        image.convert("RGB").save(dest, "JPEG", quality=92)
    elif kind == "WEBP":
        image.save(dest, "WEBP", quality=92)
    else:
        image.save(dest, "PNG")


def draw_pages(source, folder, first_only):
    args = ["pdftoppm", "-png", "-r", "72" if first_only else "150", "-f", "1", "-l", "1" if first_only else str(MAX_PAGES)]
    if first_only:
        args += ["-scale-to", "1400"]
    subprocess.run(args + ["--", source, os.path.join(folder, "page")], check=True, timeout=110,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return sorted(os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".png"))


def pdf_preview(source, dest):
    with tempfile.TemporaryDirectory(dir=os.path.dirname(dest), prefix=".draw-") as folder:
        pages = draw_pages(source, folder, True)
        if not pages:
            raise ValueError("no page")
        image_preview(pages[0], dest)


def pdf_clean(source, dest):
    with tempfile.TemporaryDirectory(dir=os.path.dirname(dest), prefix=".draw-") as folder:
        pages = [pixels(open_image(page)).convert("RGB") for page in draw_pages(source, folder, False)]
        if not pages:
            raise ValueError("no page")
        pages[0].save(dest, "PDF", save_all=True, append_images=pages[1:], resolution=150.0,
                      title="", author="", subject="", keywords="", creator="", producer="",
                      creationDate=FIXED_DATE, modDate=FIXED_DATE)


MODES = {"image-preview": image_preview, "image-clean": image_clean,
         "pdf-preview": pdf_preview, "pdf-clean": pdf_clean}


def main(argv):
    if len(argv) != 4 or argv[1] not in MODES:
        return 4
    limit()
    try:
        MODES[argv[1]](argv[2], argv[3])
    except Exception:  # any failure of a hostile file: no derivative
        if os.path.exists(argv[3]):
            os.unlink(argv[3])
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
