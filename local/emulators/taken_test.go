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
	taken := takeFirstPorts(t, 3) // the first choice of each emulator
	s, err := emulators.Start(context.Background(), emulators.Options{Root: root})
	if err != nil {
		t.Fatalf("Start with its first ports taken: %v", err)
	}
	defer s.Stop()
	if len(*taken) != 3 {
		t.Fatalf("took %d ports, want the first of each of the 3 emulators", len(*taken))
	}
	for _, ep := range []struct{ name, url string }{{"DynamoDB", s.DynamoDB}, {"SES", s.SES}, {"S3", s.S3}} {
		if slices.Contains(*taken, ep.url) {
			t.Errorf("%s endpoint %s is the port another process took: the stack would use that process", ep.name, ep.url)
		}
	}
	isSES(t, s.SES)
}

// TestStartSESWhenItsPortIsTaken: the same for the SES emulator started
// alone (sesmail's tests without SES_ENDPOINT).
func TestStartSESWhenItsPortIsTaken(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the SES emulator: not with -short")
	}
	root, err := sam.Root()
	if err != nil {
		t.Fatal(err)
	}
	if err := emulators.Preflight(root); err != nil {
		testenv.Unavailable(t, err.Error())
	}
	taken := takeFirstPorts(t, 1)
	s, err := emulators.StartSES(context.Background(), root, nil)
	if err != nil {
		t.Fatalf("StartSES with its first port taken: %v", err)
	}
	defer s.Stop()
	if len(*taken) != 1 {
		t.Fatalf("took %d ports, want 1", len(*taken))
	}
	if slices.Contains(*taken, s.SES) {
		t.Errorf("SES endpoint %s is the port another process took", s.SES)
	}
	isSES(t, s.SES)
}

// takeFirstPorts takes the first n ports chosen for emulators, the moment
// each is chosen, with a server that answers every request with an empty
// 200, as another stack's emulator would; it returns their URLs.
func takeFirstPorts(t *testing.T, n int) *[]string {
	t.Helper()
	var mu sync.Mutex
	var taken []string
	t.Cleanup(emulators.OnPick(func(port int) {
		mu.Lock()
		defer mu.Unlock()
		if len(taken) == n {
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
	}))
	return &taken
}

// isSES fails the test unless the SES emulator's mailbox answers at
// endpoint (the taker answers every path with an empty 200).
func isSES(t *testing.T, endpoint string) {
	t.Helper()
	resp, err := http.Get(endpoint + "/store")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") == "" {
		t.Errorf("GET %s/store: %s, Content-Type %q: not the SES emulator", endpoint, resp.Status, resp.Header.Get("Content-Type"))
	}
}
