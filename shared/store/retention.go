package store

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/retention"
)

var _ retention.Store = (*Store)(nil)

// The retention sweep's state: one item, where the current pass over the
// table stands (a lead id), replaced after every page.
const (
	pkRetention = "RETENTION"
	skSweep     = "SWEEP"
)

// profileScanLimit is how many items one Scan request of Profiles
// examines: a run resumes after the last profile it was given, so at most
// this many items after it are read twice.
const profileScanLimit = 500

// Profiles reads lead profiles in scan order after the lead with id after
// ("": from the table's start): one Scan request after another until one
// gives profiles or the table ends (done). Resuming after a profile's key
// rather than the scan's own last key keeps the saved state to a lead id:
// a scan page can end on any item, an address's claim among them. Items
// of one lead sort before its profile (EVT#, INBOX# < PROFILE), and every
// profile up to the page's end was returned, so nothing is skipped.
func (s *Store) Profiles(ctx context.Context, after string) ([]lead.Lead, bool, error) {
	in := s.profileScan()
	in.Limit = aws.Int32(profileScanLimit)
	if after != "" {
		in.ExclusiveStartKey = key(leadPK(after), skProfile)
	}
	sc := scanner{s.db}
	for {
		page, err := sc.Scan(ctx, in)
		if err != nil {
			return nil, false, wrap("scan profiles", err)
		}
		out, err := decodeProfiles(page.Items)
		if err != nil {
			return nil, false, err
		}
		done := len(page.LastEvaluatedKey) == 0
		if len(out) > 0 || done {
			return out, done, nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}

// SweepState is what the last retention run left (zero: none ran).
func (s *Store) SweepState(ctx context.Context) (retention.State, error) {
	var st retention.State
	err := s.get(ctx, pkRetention, skSweep, &st)
	if errors.Is(err, lead.ErrNotFound) {
		return retention.State{}, nil
	}
	return st, err
}

// SaveSweepState replaces the retention sweep's state.
func (s *Store) SaveSweepState(ctx context.Context, st retention.State) error {
	item, err := withKey(st, pkRetention, skSweep)
	if err != nil {
		return wrap("marshal retention state", err)
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item}); err != nil {
		return wrap("save retention state", err)
	}
	return nil
}
