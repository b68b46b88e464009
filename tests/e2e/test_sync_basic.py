"""Server + two clients as processes: create / modify / delete / move of
nested folders, empty files and folders, binary files, UTF-8 names with
spaces; converged trees are checked by sha256 after each step."""

import os
import shutil

from harness import Client, Server, run, wait_converged, workdir


def test_create_modify_delete_move():
    base = workdir("basic")
    server = Server(base)
    a = Client(base, "alpha", server.port)
    b = Client(base, "beta", server.port)
    expected = {}

    # create: files, nested folders, an empty file, an empty folder, binary, UTF-8 names
    a.write("hello.txt", "hello\n")
    a.write("deep/er/still/file.md", "# nested\n")
    a.write("empty.txt", b"")
    os.makedirs(a.path("empty folder"))
    binary = bytes(range(256)) * 257
    a.write("bin/data.bin", binary)
    a.write("café déjà vu/naïve file.txt", "ünïcödé\n")
    expected.update({"hello.txt": "hello\n", "deep": "DIR", "deep/er": "DIR", "deep/er/still": "DIR",
                     "deep/er/still/file.md": "# nested\n", "empty.txt": b"", "empty folder": "DIR",
                     "bin": "DIR", "bin/data.bin": binary, "café déjà vu": "DIR",
                     "café déjà vu/naïve file.txt": "ünïcödé\n"})
    wait_converged([a, b], 30, expected)

    # modify on the other side
    b.write("hello.txt", "hello from beta\n")
    expected["hello.txt"] = "hello from beta\n"
    wait_converged([a, b], 30, expected)

    # delete a file and a whole nested folder
    os.remove(a.path("empty.txt"))
    shutil.rmtree(a.path("deep"))
    for k in ["empty.txt", "deep", "deep/er", "deep/er/still", "deep/er/still/file.md"]:
        del expected[k]
    wait_converged([a, b], 30, expected)

    # move a folder with content, and rename a file
    os.rename(b.path("café déjà vu"), b.path("moved here"))
    os.rename(b.path("bin/data.bin"), b.path("bin/renamed.bin"))
    del expected["café déjà vu"], expected["café déjà vu/naïve file.txt"], expected["bin/data.bin"]
    expected.update({"moved here": "DIR", "moved here/naïve file.txt": "ünïcödé\n", "bin/renamed.bin": binary})
    wait_converged([a, b], 30, expected)

    # an empty folder removed on one side disappears everywhere
    os.rmdir(a.path("empty folder"))
    del expected["empty folder"]
    wait_converged([a, b], 30, expected)

    assert a.stop() == 0, "client alpha did not exit 0 on SIGTERM"
    assert b.stop() == 0, "client beta did not exit 0 on SIGTERM"
    assert server.stop() == 0, "server did not exit 0 on SIGTERM"


def test_symlinks_stay_local():
    base = workdir("symlink")
    server = Server(base)
    a = Client(base, "alpha", server.port)
    b = Client(base, "beta", server.port)
    a.write("target.txt", "t")
    os.symlink("target.txt", a.path("link.txt"))
    wait_converged([a, b], 30, {"target.txt": "t"})
    assert not os.path.lexists(b.path("link.txt")), "a symlink was synced"


if __name__ == "__main__":
    run([test_create_modify_delete_move, test_symlinks_stay_local])
