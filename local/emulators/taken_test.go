package emulators_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/leadflow/leadflow/local/emulators"
	"github.com/leadflow/leadflow/local/sam"
	"github.com/leadflow/leadflow/local/testenv"
)

// TestStartWhenItsPortsAreTaken: the port chosen for each emulator is
// taken between the choice and the emulator's start, by a server that
// answers every request as another stack's emulator would. Start still
// gives endpoints of its own emulators (each restarted on another port),
// not the taker's: a stack whose DynamoDB is another's shares its tables
// and data unseen.
func TestStartWhenItsPortsAreTaken(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the emulators (two JVMs): not with -short")
	}
	root, err := sam.Root()
	if err != nil {
		t.Fatal(err)
	}
	if err := emulators.Preflight(root); err != nil {
		testenv.Unavailable(t, err.Error())
	}
	var mu sync.Mutex
	var taken []string
	defer emulators.OnPick(func(port int) {
		mu.Lock()
		defer mu.Unlock()
		if len(taken) == 3 { // the first choice of each emulator
			return
		}
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Errorf("taking port %d: %v", port, err)
			return
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })}
		go func() { _ = srv.Serve(ln) }()
		t.Cleanup(func() { _ = srv.Close() })
		taken = append(taken, fmt.Sprintf("http://127.0.0.1:%d", port))
	})()
	s, err := emulators.Start(context.Background(), emulators.Options{Root: root})
	if err != nil {
		t.Fatalf("Start with its first ports taken: %v", err)
	}
	defer s.Stop()
	if len(taken) != 3 {
		t.Fatalf("took %d ports, want the first of each of the 3 emulators", len(taken))
	}
	for _, ep := range []struct{ name, url string }{{"DynamoDB", s.DynamoDB}, {"SES", s.SES}, {"S3", s.S3}} {
		if slices.Contains(taken, ep.url) {
			t.Errorf("%s endpoint %s is the port another process took: the stack would use that process", ep.name, ep.url)
		}
	}
	// The SES emulator's mailbox answers (the taker answered every path
	// with an empty 200).
	resp, err := http.Get(s.SES + "/store")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") == "" {
		t.Errorf("GET %s/store: %s, Content-Type %q: not the SES emulator", s.SES, resp.Status, resp.Header.Get("Content-Type"))
	}
}
