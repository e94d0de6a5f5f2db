package capture_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/leadflow/leadflow/shared/store/memstore"
)

// BenchmarkHandleInProcess is the handler's own cost (decode, validate,
// build the lead) over an in-memory store: the part of capture latency
// that is not DynamoDB.
func BenchmarkHandleInProcess(b *testing.B) {
	h := newHandler(memstore.New(), &bytes.Buffer{})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		body := fmt.Sprintf(`{"email":"lead%d@bench.example","name":"Bench Lead","company":"Acme","job_title":"CMO","company_size":"201-500","country":"DE","form_type":"demo_request","consent":true,"utm_source":"linkedin","utm_campaign":"q4","campaign":"q4","landing_page":"https://www.example.com/demo","answers":{"crm":"HubSpot"}}`, i)
		resp, _ := h.Handle(context.Background(), post("application/json", body))
		if resp.StatusCode != 202 {
			b.Fatal(resp.Body)
		}
	}
}
