#!/usr/bin/env python3
"""Print what meson needs to build against LibTorch, as key=value lines.

Usage: find_torch.py [LIBTORCH_DIR]
Without an argument the torch package of the running Python is used and found
through its cmake prefix (torch.utils.cmake_prefix_path), as the PyPI wheel
ships headers, libraries and TorchConfig.cmake under it. With LIBTORCH_DIR an
unpacked libtorch folder (include/, lib/, share/cmake/Torch) is used.
Exits non-zero with a clear message when LibTorch is unusable here.
"""
import os
import sys
import warnings

warnings.filterwarnings("ignore")  # torch warns about a missing numpy; irrelevant here


def fail(msg):
    sys.stderr.write("find_torch: " + msg + "\n")
    sys.exit(1)


def torch_root_from_python():
    try:
        import torch.utils  # noqa: F401  (imports torch)
    except Exception as e:  # pragma: no cover - message only
        fail("cannot import torch (%s); run ./setup.sh or pass -Dlibtorch=PATH" % e)
    import torch
    prefix = torch.utils.cmake_prefix_path  # .../torch/share/cmake
    return os.path.dirname(os.path.dirname(prefix)), prefix, torch.__version__


def main():
    if len(sys.argv) > 1 and sys.argv[1]:
        root = os.path.abspath(sys.argv[1])
        prefix = os.path.join(root, "share", "cmake")
        version = "unknown"
        vfile = os.path.join(root, "build-version")
        if os.path.exists(vfile):
            version = open(vfile).read().strip()
    else:
        root, prefix, version = torch_root_from_python()

    inc = os.path.join(root, "include")
    api_inc = os.path.join(inc, "torch", "csrc", "api", "include")
    lib = os.path.join(root, "lib")
    if not os.path.exists(os.path.join(prefix, "Torch", "TorchConfig.cmake")):
        fail("no TorchConfig.cmake under %s: not a LibTorch prefix" % prefix)
    for p in (os.path.join(api_inc, "torch", "torch.h"), os.path.join(lib, "libc10.so")):
        if not os.path.exists(p):
            fail("LibTorch at %s lacks %s (a CPU-only Python wheel without C++ headers?)" % (root, p))

    # Both sides must use the C++11 ABI (Debian builds GStreamer/OpenCV/dlib with it).
    # libc10 exports std::string in its symbols; the new ABI mangles it as __cxx11.
    with open(os.path.join(lib, "libc10.so"), "rb") as f:
        c10 = f.read()
    if b"St7__cxx1112basic_string" not in c10:
        fail("LibTorch at %s uses the pre-C++11 ABI (_GLIBCXX_USE_CXX11_ABI=0); "
             "Debian's libraries use the C++11 ABI. Use a cxx11-abi libtorch or torch>=2.7 from PyPI." % root)

    has_cuda = os.path.exists(os.path.join(lib, "libtorch_cuda.so"))
    cuda_major = ""
    if has_cuda:
        try:
            import torch
            cuda_major = (torch.version.cuda or "").split(".")[0]
        except Exception:
            cuda_major = ""
    # Directories of the CUDA runtime libraries PyPI's torch depends on (nvidia/*/lib).
    nvidia_libs = []
    site = os.path.dirname(root)
    nv = os.path.join(site, "nvidia")
    if os.path.isdir(nv):
        for dirpath, dirnames, filenames in os.walk(nv):
            if os.path.basename(dirpath) == "lib" and any(".so" in f for f in filenames):
                nvidia_libs.append(dirpath)
    print("version=" + version)
    print("root=" + root)
    print("cmake_prefix=" + prefix)
    print("include=" + inc)
    print("api_include=" + api_inc)
    print("libdir=" + lib)
    print("cuda=" + ("true" if has_cuda else "false"))
    print("cuda_major=" + cuda_major)
    print("nvidia_libdirs=" + ":".join(sorted(nvidia_libs)))


if __name__ == "__main__":
    main()
