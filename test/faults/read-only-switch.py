"""A FUSE file system that mirrors a directory and can turn read-only, and back, under open files.

Usage: read-only-switch.py BACKING MOUNTPOINT SWITCH (as root; needs Debian's python3-fusepy).
It is read-only while the file SWITCH (outside the mount) exists, writable otherwise. While read-only,
every write, including through a file opened for writing before the switch, fails with
EROFS, as it does on a file system the kernel has remounted read-only. (A real
`mount -o remount,ro` is refused with EBUSY while a process holds a file open for writing,
as SQLite holds its database, so a test cannot make one under a running server.)
Writes go straight through: nothing is cached here, so a write that succeeds is stored.
"""

import errno
import os
import sys

from fusepy import FUSE, FuseOSError, Operations

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


class Mirror(Operations):
    def __init__(self, root, switch):
        self.root = root
        self.switch = switch

    @property
    def read_only(self):
        return os.path.exists(self.switch)

    def _path(self, path):
        return os.path.join(self.root, path.lstrip('/'))

    def _writable(self):
        if self.read_only:
            raise FuseOSError(errno.EROFS)

    def __call__(self, op, *args):
        try:
            return super().__call__(op, *args)
        except FuseOSError:
            raise
        except OSError as error:
            raise FuseOSError(error.errno or errno.EIO)

    # Reads

    def access(self, path, mode):
        if mode & os.W_OK and self.read_only:
            raise FuseOSError(errno.EROFS)
        if not os.access(self._path(path), mode):
            raise FuseOSError(errno.EACCES)

    def getattr(self, path, fh=None):
        st = os.fstat(fh) if fh is not None else os.lstat(self._path(path))
        return {key: getattr(st, key) for key in ('st_atime', 'st_ctime', 'st_gid', 'st_mode', 'st_mtime', 'st_nlink', 'st_size', 'st_uid')}

    def readdir(self, path, fh):
        return ['.', '..', *os.listdir(self._path(path))]

    def statfs(self, path):
        st = os.statvfs(self._path(path))
        return {key: getattr(st, key) for key in ('f_bavail', 'f_bfree', 'f_blocks', 'f_bsize', 'f_favail', 'f_ffree', 'f_files', 'f_flag', 'f_frsize', 'f_namemax')}

    def open(self, path, flags):
        if flags & WRITE_FLAGS:
            self._writable()
        return os.open(self._path(path), flags)

    def read(self, path, size, offset, fh):
        return os.pread(fh, size, offset)

    def release(self, path, fh):
        os.close(fh)

    def flush(self, path, fh):
        return 0

    # Writes

    def create(self, path, mode, fi=None):
        self._writable()
        return os.open(self._path(path), os.O_RDWR | os.O_CREAT, mode)

    def write(self, path, data, offset, fh):
        self._writable()
        return os.pwrite(fh, data, offset)

    def truncate(self, path, length, fh=None):
        self._writable()
        if fh is not None:
            os.ftruncate(fh, length)
        else:
            os.truncate(self._path(path), length)

    def fsync(self, path, datasync, fh):
        self._writable()
        os.fsync(fh)

    def unlink(self, path):
        self._writable()
        os.unlink(self._path(path))

    def rename(self, old, new):
        self._writable()
        os.rename(self._path(old), self._path(new))

    def mknod(self, path, mode, dev):
        # The server binds its change-signal socket beside the database.
        self._writable()
        os.mknod(self._path(path), mode, dev)

    def mkdir(self, path, mode):
        self._writable()
        os.mkdir(self._path(path), mode)

    def rmdir(self, path):
        self._writable()
        os.rmdir(self._path(path))

    def chmod(self, path, mode):
        self._writable()
        os.chmod(self._path(path), mode)

    def chown(self, path, uid, gid):
        self._writable()
        os.chown(self._path(path), uid, gid)

    def utimens(self, path, times=None):
        self._writable()
        os.utime(self._path(path), times)


if __name__ == '__main__':
    backing, mountpoint, switch = sys.argv[1:4]
    # Without writeback caching (libfuse 2's default) every write(2) reaches this process at
    # once; only reads may be served from the page cache.
    FUSE(Mirror(backing, switch), mountpoint, foreground=True, nothreads=False)
