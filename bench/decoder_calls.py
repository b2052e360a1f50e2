#!/usr/bin/env python3
"""Which system calls the decoding helper makes once it is confined (engine/decode_sandbox.h).

Runs `synthscope-decode decode` and `synthscope-decode metadata` under strace on every file given (by
default: the decoding and metadata fuzz corpora, and up to --per-folder files of each folder of
../shared/data and of the Debian wallpaper folders), and prints, for the calls made after the
process's own seccomp() call (and by threads it starts after it):
  - every call with how many times it was made, marked "not allowed" when the allow list in
    decode_sandbox.cpp does not name it;
  - every call that failed with EPERM or ENOSYS there, which is what the filter answers when it refuses;
  - every file whose pixels the helper refused, with its sentence (the corpora hold some on purpose).
This is how the allow list was made and how to check it after a library upgrade: a call printed as not
allowed fails, and the library may then refuse a file it could decode. Two are refused on purpose: openat
(GDAL, which OpenCV links, looks for its configuration and plugins; decoding does not need them) and
clone3 (answered "not implemented", so that the C library starts threads with clone(), whose flags the
filter can read).

Usage: python3 bench/decoder_calls.py [--helper build/app/synthscope-decode] [--per-folder 3] [FILE...]
--per-folder 0 traces the corpora alone (about 30 s): the test suite's decoder.allowed_calls.
Needs strace. Exits 1 when a call made is not allowed and not refused on purpose, 77 when strace is
missing or cannot trace here (a container that forbids ptrace).
"""
import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORMATS = {".jpg": 1, ".jpeg": 1, ".png": 2, ".webp": 3, ".tif": 4, ".tiff": 4, ".bmp": 5, ".heic": 6, ".heif": 6, ".avif": 7}
REFUSED_ON_PURPOSE = {"openat", "open", "clone3"}
LINE = re.compile(r"^(\d+)\s+(?:<\.\.\. (\w+) resumed>|(\w+)\()(.*)$")


def allowed_calls():
    """The names the allow list in decode_sandbox.cpp gives, read from its source (kAllowedCalls)."""
    source = open(os.path.join(ROOT, "engine", "decode_sandbox.cpp")).read()
    if "allowedCalls() {" not in source:
        return set()
    block = source.split("allowedCalls() {", 1)[1].split("};", 1)[0]
    return set(re.findall(r"__NR_(\w+)", block)) | {"clone", "clone3", "kill", "tgkill", "mmap", "mprotect", "prctl"}  # by argument


def default_files(per_folder):
    files = []
    for corpus in ("image_decode", "metadata"):
        folder = os.path.join(ROOT, "tests", "fuzz", "corpus", corpus)
        files += [os.path.join(folder, f) for f in sorted(os.listdir(folder))]
    roots = [os.path.join(ROOT, "..", "shared", "data"), "/usr/share/backgrounds", "/usr/share/wallpapers"]
    for root in roots:
        for folder, _, names in sorted(os.walk(root)):
            picked = [n for n in sorted(names) if os.path.splitext(n)[1].lower() in FORMATS][:per_folder]
            files += [os.path.join(folder, n) for n in picked]
    return files


def trace(helper, mode, path):
    fmt = FORMATS.get(os.path.splitext(path)[1].lower(), 1)
    with tempfile.NamedTemporaryFile(suffix=".strace") as log, open(path, "rb") as stdin:
        answer = subprocess.run(["strace", "-f", "-qq", "-o", log.name, helper, mode, "--image-format", str(fmt),
                                 "--memory-limit", str(4 << 30)],
                                stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False).stdout
        return open(log.name, errors="replace").read().splitlines(), refusal(answer)


def refusal(answer):
    """The helper's sentence when its answer refuses the file (engine/decoder_process.cpp: magic, kind 2,
    0, 0, text), else None."""
    if answer[:8] != b"SSDECO3\n":
        return "no answer"
    kind = int.from_bytes(answer[8:12], "little")
    if kind != 2:
        return None
    length = int.from_bytes(answer[20:24], "little")
    return answer[24:24 + length].decode(errors="replace")


def confined_calls(lines):
    """(name, rest of the line) of each call made by a confined process or thread, in order."""
    confined, calls = set(), []
    for line in lines:
        m = LINE.match(line)
        if not m:
            continue
        pid, resumed, started, rest = int(m.group(1)), m.group(2), m.group(3), m.group(4)
        name = resumed or started
        if pid in confined and started:
            calls.append((name, rest))
        if pid in confined and resumed:  # a refusal shows on the resumed half of a split call
            calls.append((name + " (resumed)", rest))
        if name == "seccomp" and re.search(r"= 0$", rest):
            confined.add(pid)
        if name in ("clone", "clone3") and pid in confined:
            child = re.search(r"= (\d+)$", rest)
            if child:
                confined.add(int(child.group(1)))
    return calls


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--helper", default=os.path.join(ROOT, "build", "app", "synthscope-decode"))
    parser.add_argument("--per-folder", type=int, default=3)
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()
    files = args.files or default_files(args.per_folder)
    try:
        lines, _ = trace(args.helper, "decode", files[0])
    except FileNotFoundError:
        print("strace is not installed (apt-get install strace): not checked")
        return 77
    if not any("seccomp(" in line for line in lines):
        print("strace saw no seccomp() call: it cannot trace here, or the helper is not confined (an ASan build)")
        return 77
    counts, refused, where, files_refused = collections.Counter(), collections.Counter(), {}, []
    for path in files:
        for mode in ("decode", "metadata"):
            lines, why = trace(args.helper, mode, path)
            if why is not None and mode == "decode":
                files_refused.append((path, why))
            for name, rest in confined_calls(lines):
                if name.endswith(" (resumed)"):
                    name = name[: -len(" (resumed)")]
                else:
                    counts[name] += 1
                    where.setdefault(name, f"{mode} {os.path.relpath(path)}")
                if re.search(r"= -1 (EPERM|ENOSYS)", rest):
                    refused[name] += 1
                    where.setdefault("refused " + name, f"{mode} {os.path.relpath(path)}")
    allowed = allowed_calls()
    print(f"{len(files)} files, each decoded and its metadata read: calls made once confined")
    missing = []
    for name, n in sorted(counts.items()):
        flag = ""
        if name in REFUSED_ON_PURPOSE and name not in allowed:
            flag = "   refused on purpose"
        elif name not in allowed:
            flag = "   NOT ALLOWED (first: " + where[name] + ")"
            missing.append(name)
        print(f"  {name:24s} {n:8d}{flag}")
    print("refused by the filter (EPERM/ENOSYS):" if refused else "none refused by the filter")
    for name, n in sorted(refused.items()):
        print(f"  {name:24s} {n:8d}   first: {where['refused ' + name]}")
    print(f"pixels refused for {len(files_refused)} of {len(files)} files:")
    for path, why in files_refused:
        print(f"  {os.path.relpath(path)}: {why}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
