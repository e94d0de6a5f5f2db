package emulators

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// listensOn reports whether process pid holds a TCP socket listening on
// port (IPv4 or IPv6, any address): the kernel's socket tables
// (/proc/net/tcp, tcp6) name each listening socket's inode, and the
// process's open files (/proc/PID/fd) the inodes of its sockets. Where
// there is no /proc (macOS) it cannot tell and says true: the emulator's
// HTTP probe alone decides there, as it did before this check.
func listensOn(pid, port int) (bool, error) {
	inodes := map[string]bool{}
	for _, table := range []string{procNet + "/tcp", procNet + "/tcp6"} {
		if err := listeners(table, port, inodes); err != nil {
			if errors.Is(err, fs.ErrNotExist) && strings.HasSuffix(table, "6") {
				continue // IPv6 disabled
			}
			if errors.Is(err, fs.ErrNotExist) {
				return true, nil // no /proc: not Linux
			}
			return false, err
		}
	}
	if len(inodes) == 0 {
		return false, nil
	}
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil // it exited: the caller sees that
		}
		return false, err
	}
	for _, fd := range fds {
		link, err := os.Readlink(dir + "/" + fd.Name())
		if err != nil {
			continue // closed meanwhile
		}
		if inode, ok := strings.CutPrefix(link, "socket:["); ok && inodes[strings.TrimSuffix(inode, "]")] {
			return true, nil
		}
	}
	return false, nil
}

// procNet is where the kernel's socket tables are (a variable for the
// test of a system without them).
var procNet = "/proc/net"

// listeners adds to inodes those of the sockets in table (the format of
// /proc/net/tcp) listening on port.
func listeners(table string, port int, inodes map[string]bool) error {
	f, err := os.Open(table)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // the header
	for sc.Scan() {
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 || fields[3] != "0A" { // 0A: LISTEN
			continue
		}
		_, hexPort, ok := strings.Cut(fields[1], ":")
		if !ok {
			continue
		}
		if p, err := strconv.ParseUint(hexPort, 16, 16); err == nil && int(p) == port {
			inodes[fields[9]] = true
		}
	}
	return sc.Err()
}
