package emulators_test

import (
	"bufio"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestNodeEmulatorsKeepIdleConnections: an idle kept-alive connection to
// the SES and S3 emulators is still open past Node's default 5 s
// keep-alive timeout (keepalive.js), so a request a client sends on it
// as the timeout runs out is not reset — for a SendEmail an outcome the
// product must treat as unknown and settle minutes later.
func TestNodeEmulatorsKeepIdleConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("waits 6 s on idle connections")
	}
	e := testenv.Get(t)
	for _, c := range []struct{ name, url string }{{"SES", e.SES + "/store"}, {"S3", e.S3 + "/"}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			u, err := url.Parse(c.url)
			if err != nil {
				t.Fatal(err)
			}
			conn, err := net.Dial("tcp", u.Host)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			r := bufio.NewReader(conn)
			get := func(round int) {
				t.Helper()
				req, _ := http.NewRequest(http.MethodGet, c.url, nil)
				if err := req.Write(conn); err != nil {
					t.Fatalf("request %d: %v", round, err)
				}
				resp, err := http.ReadResponse(r, req)
				if err != nil {
					t.Fatalf("request %d on the connection: %v", round, err)
				}
				resp.Body.Close()
				if resp.Close {
					t.Fatalf("request %d: the emulator closes the connection", round)
				}
				// Node announces the timeout it will close an idle
				// connection after ("Keep-Alive: timeout=5"); none is set.
				if ka := resp.Header.Get("Keep-Alive"); ka != "" {
					t.Fatalf("request %d: the emulator closes idle connections (Keep-Alive: %s)", round, ka)
				}
			}
			get(1)
			// Longer than Node's default keep-alive timeout: without
			// keepalive.js the emulator has closed the connection by now
			// (on a machine so loaded that Node's timer fires later, this
			// half can pass unfixed; the header check above cannot).
			time.Sleep(6 * time.Second)
			get(2)
		})
	}
}
