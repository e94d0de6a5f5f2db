package store

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leadflow/leadflow/shared/lead"
)

func suppressPK(emailHash string) string { return "SUPPRESS#" + emailHash }

const skSuppress = "SUPPRESS"

// versioned is a Put of the lead's profile that requires the stored
// version to be the one before l's.
func (s *Store) versioned(l lead.Lead) (*types.Put, error) {
	profile, err := profileItem(l)
	if err != nil {
		return nil, err
	}
	cond := "version = :prev"
	return &types.Put{TableName: &s.table, Item: profile, ConditionExpression: &cond,
		ExpressionAttributeValues: map[string]types.AttributeValue{":prev": num(int64(l.Version - 1))}}, nil
}

// suppression is why an address must not be mailed.
type suppression struct {
	Reason string    `json:"reason"` // unsubscribe, bounce, complaint, erasure
	At     time.Time `json:"at"`
	LeadID string    `json:"leadId,omitempty"`
}

// Suppressed reports whether an email hash is on the suppression list.
func (s *Store) Suppressed(ctx context.Context, emailHash string) (bool, error) {
	_, _, err := s.Suppression(ctx, emailHash)
	if errors.Is(err, lead.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Suppression is an email hash's entry on the suppression list: its
// reason and time; lead.ErrNotFound when it is not listed.
func (s *Store) Suppression(ctx context.Context, emailHash string) (string, time.Time, error) {
	var sup suppression
	if err := s.get(ctx, suppressPK(emailHash), skSuppress, &sup); err != nil {
		return "", time.Time{}, err
	}
	return sup.Reason, sup.At, nil
}

// Suppress puts the lead's address on the suppression list (reason:
// unsubscribe, bounce, complaint, erasure) together with the lead's new
// state (its Suppressed copy set), its events and counters, atomically.
// A second suppression of the same address keeps the first record:
// lead.ErrAlreadySuppressed when the stored lead has its copy already,
// or when the entry was made for this lead (l gets the copy, ch is not
// recorded twice); a lead listed before it existed is written with l and
// ch (nil). First of all it records the suppression for the customer
// lists' writers (RecentSuppressions).
func (s *Store) Suppress(ctx context.Context, l lead.Lead, ch lead.Change, reason string) error {
	if err := s.recordSuppression(ctx, l.EmailHash, ch.At); err != nil {
		return err
	}
	sup := suppression{Reason: reason, At: ch.At, LeadID: l.ID}
	if l.Suppressed == "" {
		l.Suppressed = reason // the lead's copy, written with the list entry
	}
	put, err := s.versioned(l)
	if err != nil {
		return err
	}
	item, err := withKey(sup, suppressPK(l.EmailHash), skSuppress)
	if err != nil {
		return wrap("marshal suppression", err)
	}
	items := []types.TransactWriteItem{{Put: put}, {Put: s.putNew(item)}}
	err = s.write(ctx, items, l, ch, nil)
	if errors.Is(err, errFirstCondition) {
		return lead.ErrVersionConflict
	}
	if conditionFailed(err, 1) {
		// Listed already. Whether the lead was told is the stored lead's
		// copy, not l's: callers set l's before they call (the lifecycle
		// they record reads it).
		stored, gerr := s.Lead(ctx, l.ID)
		switch {
		case gerr != nil:
			return gerr
		case stored.Version != l.Version-1:
			return lead.ErrVersionConflict
		case stored.Suppressed != "":
			return lead.ErrAlreadySuppressed
		}
		var entry suppression
		if gerr := s.get(ctx, suppressPK(l.EmailHash), skSuppress, &entry); gerr != nil && !errors.Is(gerr, lead.ErrNotFound) {
			return gerr
		}
		if entry.LeadID == l.ID {
			// Listed for this very lead before leads carried the copy: its
			// suppression was recorded then. It gets the copy; nothing is
			// counted twice.
			if perr := s.putAlone(ctx, put); perr != nil {
				if isConditionFailed(perr) {
					return lead.ErrVersionConflict
				}
				return wrap("suppress", perr)
			}
			return lead.ErrAlreadySuppressed
		}
		// Listed before the lead existed (an erasure of an address no lead
		// had yet, racing the form that made one): write the lead with its
		// change — the copy every send checks, the consent, stage and
		// sequence the caller changed with it — and keep the list entry as
		// first written.
		err = s.write(ctx, []types.TransactWriteItem{{Put: put}}, l, ch, nil)
		if errors.Is(err, errFirstCondition) {
			return lead.ErrVersionConflict
		}
		return err
	}
	return err
}

// SuppressHash suppresses an address by hash alone (no lead known). It
// records nothing for the customer lists' writers: no lead, no row; its
// one caller, an erasure, recorded the address first (RecordErasure).
func (s *Store) SuppressHash(ctx context.Context, emailHash, reason string, at time.Time) error {
	item, err := withKey(suppression{Reason: reason, At: at}, suppressPK(emailHash), skSuppress)
	if err != nil {
		return wrap("marshal suppression", err)
	}
	err = againOnConflict(ctx, func() error {
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item})
		return err
	})
	if err != nil {
		return wrap("suppress", err)
	}
	return nil
}

// Erase overwrites the lead's events with their anonymised form, then in
// one transaction writes the anonymised profile (version check, its
// Suppressed copy set), deletes the email claim and suppresses the
// address, with ch's new events (the erasure and its lifecycle events).
// l.EmailHash names the claim and the list entry; neither the profile
// nor the entry keeps the link between them (the profile is written
// without the hash, the entry without the lead's id): anyone who knows
// the address computes its hash, and must find nothing the erasure kept.
// Run again after an interruption, it finishes the job.
func (s *Store) Erase(ctx context.Context, l lead.Lead, events []lead.Event, ch lead.Change, suppress bool) error {
	at, hash := ch.At, l.EmailHash
	l.EmailHash = ""
	if err := s.recordPending(ctx, l.ID); err != nil {
		return err
	}
	if err := s.emptyInbox(ctx, l.ID); err != nil {
		return err
	}
	for start := 0; start < len(events); start += 25 {
		var reqs []types.WriteRequest
		for _, ev := range events[start:min(start+25, len(events))] {
			item, err := eventItem(l.ID, ev)
			if err != nil {
				return wrap("marshal event", err)
			}
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
		}
		if err := s.batchWrite(ctx, "erase events", reqs); err != nil {
			return err
		}
	}
	if suppress {
		l.Suppressed = "erasure"
	}
	put, err := s.versioned(l)
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{
		{Put: put},
		{Delete: &types.Delete{TableName: &s.table, Key: key(emailPK(hash), skEmail)}},
	}
	if suppress {
		sup, err := withKey(suppression{Reason: "erasure", At: at}, suppressPK(hash), skSuppress)
		if err != nil {
			return wrap("marshal suppression", err)
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: &s.table, Item: sup}})
	}
	rec, err := s.recorded(l.ID, ch.Events, nil, at)
	if err != nil {
		return err
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: append(items, rec...)})
	if conditionFailed(err, 0) || conflicted(err) {
		return lead.ErrVersionConflict
	}
	if err != nil {
		return wrap("erase lead", err)
	}
	return nil
}

// emptyInbox deletes the touches waiting in a lead's inbox (never folded
// in: personal data an erasure removes with the rest).
func (s *Store) emptyInbox(ctx context.Context, leadID string) error {
	for {
		touches, err := s.Inbox(ctx, leadID, 25)
		if err != nil || len(touches) == 0 {
			return err
		}
		reqs := make([]types.WriteRequest, len(touches))
		for i, t := range touches {
			reqs[i] = types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: key(leadPK(leadID), inboxSK(t.ID))}}
		}
		if err := s.batchWrite(ctx, "erase inbox", reqs); err != nil {
			return err
		}
	}
}

// batchWrite writes reqs, and again the ones DynamoDB leaves unprocessed
// (it does when the table is throttled), after a pause that doubles from
// 25 ms up to a second, as AWS asks of BatchWriteItem's callers — not in
// a tight loop against a throttled table. ctx ends it.
func (s *Store) batchWrite(ctx context.Context, what string, reqs []types.WriteRequest) error {
	wait := 25 * time.Millisecond
	for {
		out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{s.table: reqs}})
		if err != nil {
			return wrap(what, err)
		}
		if reqs = out.UnprocessedItems[s.table]; len(reqs) == 0 {
			return nil
		}
		pause := s.pause
		if pause == nil {
			pause = lead.Sleep
		}
		if err := pause(ctx, wait); err != nil {
			return wrap(what, err)
		}
		wait = min(2*wait, time.Second)
	}
}
