package capture

import (
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// Retries is how long a submission keeps trying when other writes to the
// same lead keep winning (a form posted many times at once for one
// address): a lead takes one write at a time, so the last of n concurrent
// submissions waits for the n-1 before it. Full-jitter exponential
// back-off from 5 ms up to 250 ms, 60 attempts: about 7 s at most, within
// the function's 10 s timeout; a lost race costs no write (DynamoDB
// refuses it before applying anything).
var Retries = lead.Retry{Attempts: 60, Base: 5 * time.Millisecond, Cap: 250 * time.Millisecond}
