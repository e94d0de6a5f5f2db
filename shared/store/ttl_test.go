package store_test

import (
	"testing"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/store"
)

// TestTableTTLAttribute: the table's TTL (template.yaml) is on the
// attribute the store writes expiry times to (idempotency keys, alert
// counters, page views, segment runs). DynamoDB Local deletes nothing by
// TTL, so no emulator test notices a renamed attribute: on AWS those
// items would be kept, and paid for, for ever.
func TestTableTTLAttribute(t *testing.T) {
	if got := testenv.Template(t).TTLAttribute(); got != store.AttrExpires {
		t.Errorf("template.yaml: LeadsTable's TimeToLiveSpecification is on %q (enabled: %v), the store writes expiry times to %q", got, got != "", store.AttrExpires)
	}
}
