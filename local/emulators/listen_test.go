package emulators

import (
	"net"
	"os"
	"path/filepath"
	"testing"
)

func TestListensOn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	if _, err := os.Stat("/proc/net/tcp"); err != nil {
		t.Skip("no /proc/net/tcp: not Linux")
	}
	for _, tt := range []struct {
		name    string
		procNet string
		pid     int
		port    int
		want    bool
	}{
		{"this process on its port", "/proc/net", os.Getpid(), port, true},
		{"another process on this one's port", "/proc/net", os.Getppid(), port, false},
		{"this process on a port nobody listens on", "/proc/net", os.Getpid(), 1, false},
		// A Mac has no /proc: the HTTP probe alone decides there.
		{"no socket tables", filepath.Join(t.TempDir(), "none"), os.Getpid(), 1, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func(old string) { procNet = old }(procNet)
			procNet = tt.procNet
			got, err := listensOn(tt.pid, tt.port)
			if err != nil || got != tt.want {
				t.Errorf("listensOn(%d, %d) = %v, %v; want %v", tt.pid, tt.port, got, err, tt.want)
			}
		})
	}
}
