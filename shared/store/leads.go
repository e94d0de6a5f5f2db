package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leadflow/leadflow/shared/lead"
)

// emailClaim maps a normalised email's hash to its lead; its conditional
// create is what makes "one lead per email" hold under concurrency.
type emailClaim struct {
	LeadID string `json:"leadId"`
}

type idempItem struct {
	LeadID    string       `json:"leadId"`
	BodyHash  string       `json:"bodyHash"`
	Receipt   string       `json:"receipt,omitempty"`
	Outcome   lead.Outcome `json:"outcome"`
	ExpiresAt int64        `json:"expiresAt"` // epoch seconds: the table's TTL attribute
}

// CreateLead writes email claim, profile, timeline events, campaign
// counters and idempotency record in one transaction. An address already
// on the suppression list (erased, or suppressed before any lead had it)
// makes a lead that carries its Suppressed copy.
func (s *Store) CreateLead(ctx context.Context, l lead.Lead, ch lead.Change, idem *lead.Idempotency) error {
	claim, err := withKey(emailClaim{LeadID: l.ID}, emailPK(l.EmailHash), skEmail)
	if err != nil {
		return wrap("marshal email claim", err)
	}
	profile, err := profileItem(l)
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{{Put: s.putNew(claim)}, {Put: s.putNew(profile)}}
	if l.Suppressed == "" {
		cond := condNew
		items = append(items, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: &s.table, Key: key(suppressPK(l.EmailHash), skSuppress), ConditionExpression: &cond}})
	}
	err = s.write(ctx, items, l, ch, idem)
	if errors.Is(err, errFirstCondition) {
		return lead.ErrEmailTaken
	}
	if l.Suppressed == "" && conditionFailed(err, 2) {
		var sup suppression
		if err := s.get(ctx, suppressPK(l.EmailHash), skSuppress, &sup); err != nil {
			return err
		}
		l.CarrySuppression(cmp.Or(sup.Reason, "suppressed"))
		return s.CreateLead(ctx, l, ch, idem)
	}
	return err
}

// SaveLead replaces a lead's profile if nobody else changed it since it was
// read (version check), with its events, counters and idempotency record
// in the same transaction.
func (s *Store) SaveLead(ctx context.Context, l lead.Lead, ch lead.Change, idem *lead.Idempotency) error {
	profile, err := profileItem(l)
	if err != nil {
		return err
	}
	cond := "version = :prev"
	items := []types.TransactWriteItem{{Put: &types.Put{
		TableName: &s.table, Item: profile, ConditionExpression: &cond,
		ExpressionAttributeValues: map[string]types.AttributeValue{":prev": num(int64(l.Version - 1))},
	}}}
	err = s.write(ctx, items, l, ch, idem)
	if errors.Is(err, errFirstCondition) {
		return lead.ErrVersionConflict
	}
	return err
}

// Save is SaveLead without an idempotency record.
func (s *Store) Save(ctx context.Context, l lead.Lead, ch lead.Change) error {
	return s.SaveLead(ctx, l, ch, nil)
}

// profileItem is the PROFILE item of a lead, carrying the sparse due-index
// attributes only while something is due.
func profileItem(l lead.Lead) (map[string]types.AttributeValue, error) {
	item, err := withKey(l, leadPK(l.ID), skProfile)
	if err != nil {
		return nil, wrap("marshal lead", err)
	}
	if due := l.NextDue(); !due.IsZero() {
		item[attrGSI1PK] = str(duePK(l.ID))
		item[attrGSI1SK] = str(dueSK(due, l.ID))
	}
	if rep := l.OpenWith(); rep != "" {
		item[attrGSI2PK] = str(OpenPK(rep))
		item[attrGSI2SK] = str(l.Deal.AcceptedAt.UTC().Format(time.RFC3339) + "#" + l.ID)
	}
	return item, nil
}

var errFirstCondition = errors.New("first item's condition failed")

// write appends the events, counters and idempotency record to a
// transaction, runs it and maps cancellation reasons.
func (s *Store) write(ctx context.Context, items []types.TransactWriteItem, l lead.Lead, ch lead.Change, idem *lead.Idempotency) error {
	adds := statsAdds(l, ch.Counters, ch.At)
	rec, err := s.recorded(l.ID, ch.Events, adds, ch.At)
	if err != nil {
		return err
	}
	countersAt := len(items) + len(ch.Events) // recorded puts the counter updates after the events
	items = append(items, rec...)
	idemAt := -1
	if idem != nil {
		put, err := s.idempotencyPut(idem, ch.At)
		if err != nil {
			return err
		}
		idemAt = len(items)
		items = append(items, types.TransactWriteItem{Put: put})
	}
	foldedAt := len(items)
	for _, id := range ch.Folded {
		cond := "attribute_exists(PK)"
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: &s.table,
			Key: key(leadPK(l.ID), inboxSK(id)), ConditionExpression: &cond}})
	}
	dealAt := -1
	if c := ch.DealClaim; c != nil {
		put, err := s.dealClaimPut(c)
		if err != nil {
			return err
		}
		dealAt = len(items)
		items = append(items, types.TransactWriteItem{Put: put})
	}
	if len(items) == 1 && items[0].Put != nil {
		// The profile alone: a plain conditional write costs half a
		// transaction's write units.
		err := s.putAlone(ctx, items[0].Put)
		if isConditionFailed(err) {
			return errFirstCondition
		}
		if conflicted(err) {
			return lead.ErrVersionConflict
		}
		if err != nil {
			return wrap("write lead", err)
		}
		return nil
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if from, to := countersAt, countersAt+len(adds); onlyConflictsIn(err, from, to) {
		// Only counter shards were taken, by other transactions (a burst
		// on one campaign): the counts go into a COUNT# item of the lead's
		// instead, which the stream adds to the shards exactly once
		// (Materialize), and the write goes again at once.
		deferred, derr := s.deferredCount(l.ID, adds, ch.At)
		if derr != nil {
			return derr
		}
		items = append(append(items[:from:from], deferred), items[to:]...)
		if idemAt > from {
			idemAt -= to - from - 1
		}
		if foldedAt > from {
			foldedAt -= to - from - 1
		}
		if dealAt > from {
			dealAt -= to - from - 1
		}
		_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	}
	if err == nil {
		return nil
	}
	codes, ok := cancelReasons(err)
	if !ok {
		return wrap("write lead", err)
	}
	for i := foldedAt; i < len(codes) && len(ch.Folded) > 0; i++ {
		if codes[i] == "ConditionalCheckFailed" {
			return lead.ErrVersionConflict // another write folded that touch: read again
		}
	}
	if dealAt >= 0 && dealAt < len(codes) && codes[dealAt] == "ConditionalCheckFailed" {
		return lead.ErrVersionConflict // another lead holds the deal: read again
	}
	switch {
	case idemAt >= 0 && idemAt < len(codes) && codes[idemAt] == "ConditionalCheckFailed":
		return lead.ErrDuplicateRequest
	case len(codes) > 0 && codes[0] == "ConditionalCheckFailed":
		return errFirstCondition
	}
	if conflicted(err) {
		// Another transaction had one of the items (the lead, a counter
		// shard): nothing was written, and a new attempt re-reads the lead.
		return lead.ErrVersionConflict
	}
	return wrap("write lead", err)
}

const condNew = "attribute_not_exists(PK)"

// putNew is a Put that only creates.
func (s *Store) putNew(item map[string]types.AttributeValue) *types.Put {
	cond := condNew
	return &types.Put{TableName: &s.table, Item: item, ConditionExpression: &cond}
}

// inboxItem is a touch waiting in its lead's inbox.
type inboxItem struct {
	Touch lead.Touch `json:"touch"`
}

// idempotencyPut writes an idempotency record unless its key is taken at
// now: an expired key that TTL has not yet deleted counts as free.
func (s *Store) idempotencyPut(idem *lead.Idempotency, now time.Time) (*types.Put, error) {
	item, err := withKey(idempItem{LeadID: idem.LeadID, BodyHash: idem.BodyHash, Receipt: idem.Receipt, Outcome: idem.Outcome,
		ExpiresAt: idem.ExpiresAt.Unix()}, idempPK(idem.Key), skIdemp)
	if err != nil {
		return nil, wrap("marshal idempotency", err)
	}
	cond := "attribute_not_exists(PK) OR expiresAt < :now"
	return &types.Put{TableName: &s.table, Item: item, ConditionExpression: &cond,
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(now.Unix())}}, nil
}

// Deposit keeps a submission in its lead's inbox: a new item, so no
// write of the lead can make it fail, with the idempotency record in the
// same transaction (lead.ErrDuplicateRequest when the key was used).
func (s *Store) Deposit(ctx context.Context, leadID string, t lead.Touch, idem *lead.Idempotency) error {
	item, err := withKey(inboxItem{Touch: t}, leadPK(leadID), inboxSK(t.ID))
	if err != nil {
		return wrap("marshal touch", err)
	}
	items := []types.TransactWriteItem{{Put: s.putNew(item)}}
	if idem == nil {
		if err := s.putAlone(ctx, items[0].Put); err != nil {
			return wrap("deposit touch", err)
		}
		return nil
	}
	put, err := s.idempotencyPut(idem, t.Submission.Source.At)
	if err != nil {
		return err
	}
	items = append(items, types.TransactWriteItem{Put: put})
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if conditionFailed(err, 1) {
		return lead.ErrDuplicateRequest
	}
	if err != nil {
		return wrap("deposit touch", err)
	}
	return nil
}

// Inbox lists up to limit touches waiting in a lead's inbox, oldest
// first (strongly consistent), over as many pages as that takes.
func (s *Store) Inbox(ctx context.Context, leadID string, limit int) ([]lead.Touch, error) {
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(leadPK(leadID)), ":p": str(inboxPrefix)},
		ConsistentRead:            aws.Bool(true),
		Limit:                     aws.Int32(int32(min(limit, 1000))),
	})
	items, err := queryUpTo[inboxItem](ctx, p, limit, "query inbox", "decode touch")
	if err != nil {
		return nil, err
	}
	touches := make([]lead.Touch, 0, len(items))
	for _, it := range items {
		touches = append(touches, it.Touch)
	}
	return touches, nil
}

// LeadByEmail follows the email claim to the lead's profile.
func (s *Store) LeadByEmail(ctx context.Context, emailHash string) (lead.Lead, error) {
	var claim emailClaim
	if err := s.get(ctx, emailPK(emailHash), skEmail, &claim); err != nil {
		return lead.Lead{}, err
	}
	return s.Lead(ctx, claim.LeadID)
}

// Lead loads a lead profile by id.
func (s *Store) Lead(ctx context.Context, id string) (lead.Lead, error) {
	var l lead.Lead
	err := s.get(ctx, leadPK(id), skProfile, &l)
	return l, err
}

// DecodeLead decodes a PROFILE item (for tools that read items directly).
func DecodeLead(item map[string]types.AttributeValue) (lead.Lead, error) {
	var l lead.Lead
	err := unmarshal(item, &l)
	return l, err
}

// Idempotent loads the record of an idempotency key.
func (s *Store) Idempotent(ctx context.Context, k string) (lead.Idempotency, error) {
	var it idempItem
	if err := s.get(ctx, idempPK(k), skIdemp, &it); err != nil {
		return lead.Idempotency{}, err
	}
	return lead.Idempotency{Key: k, BodyHash: it.BodyHash, Receipt: it.Receipt, LeadID: it.LeadID, Outcome: it.Outcome,
		ExpiresAt: time.Unix(it.ExpiresAt, 0).UTC()}, nil
}

// CountBot counts a honeypot hit for a campaign's month.
func (s *Store) CountBot(ctx context.Context, campaign string, at time.Time, idem *lead.Idempotency) error {
	if idem == nil {
		return s.Count(ctx, campaign, at, "bots")
	}
	put, err := s.idempotencyPut(idem, at)
	if err != nil {
		return err
	}
	err = againOnConflict(ctx, func() error {
		_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Update: s.counterAdd(campaign, "", at, nil, "bots")}, {Put: put}}})
		return err
	})
	if conditionFailed(err, 1) {
		return lead.ErrDuplicateRequest
	}
	if err != nil {
		return wrap("count bot", err)
	}
	return nil
}

// Count adds 1 to each named counter of a campaign's month. A shard that
// a transaction holds refuses the update (TransactionConflictException);
// the next attempt picks a shard again.
func (s *Store) Count(ctx context.Context, campaign string, at time.Time, counters ...string) error {
	err := againOnConflict(ctx, func() error {
		u := s.counterAdd(campaign, "", at, nil, counters...)
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression,
			ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues,
		})
		return err
	})
	if err != nil {
		return wrap("count", err)
	}
	return nil
}

// CountView adds 1 to the views of a campaign's variant in the month of
// at: one UpdateItem of one of the variant's shards, no transaction (a
// page load is no lead write). Reports sum a campaign's views from its
// variants'. A named visitor (capture.Visitors: a keyed hash, new each
// day) counts once per variant: a conditional PutItem of VISIT#<visitor>
// / VIEW#<variant>, which the table's TTL removes two days later, comes
// first, and a visitor it finds counts nothing (false). A crash between
// the two loses that view; it never counts one twice.
func (s *Store) CountView(ctx context.Context, campaign, variant, visitor string, at time.Time) (bool, error) {
	if visitor != "" {
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, ConditionExpression: aws.String(condNew),
			Item: map[string]types.AttributeValue{attrPK: str("VISIT#" + visitor), attrSK: str("VIEW#" + variant),
				"expiresAt": num(at.Add(48 * time.Hour).Unix())}})
		if isConditionFailed(err) {
			return false, nil
		}
		if err != nil {
			return false, wrap("count view", err)
		}
	}
	err := againOnConflict(ctx, func() error {
		u := s.counterAdd(campaign, variant, at, nil, "views") // report.ViewsCounter
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression,
			ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues,
		})
		return err
	})
	if err != nil {
		return false, wrap("count view", err)
	}
	return true, nil
}

// Timeline returns a lead's events, oldest first, including those of its
// last single-item write (Put) that the stream has not recorded yet.
func (s *Store) Timeline(ctx context.Context, leadID string) ([]lead.Event, error) {
	return s.timelineOf(ctx, leadID)
}

// CampaignStats returns a campaign's counters for the month containing at:
// the sum of its StatsShards items (and of the unsharded item older data
// has), read strongly consistently in one query of the campaign's
// partition. Variant items are left out (MonthStats lists them).
func (s *Store) CampaignStats(ctx context.Context, campaign string, at time.Time) (map[string]int64, error) {
	out := map[string]int64{}
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:              &s.table,
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :m)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(campaignPK(campaign)),
			":m": str(statsPrefix(lead.Month(at)))},
		ConsistentRead: aws.Bool(true),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, wrap("query stats", err)
		}
		for _, item := range page.Items {
			if v, ok := item["variant"].(*types.AttributeValueMemberS); ok && v.Value != "" {
				continue
			}
			addCounters(out, item)
		}
	}
	return out, nil
}

// addCounters adds a stats item's counters (its number attributes) to sum.
func addCounters(sum map[string]int64, item map[string]types.AttributeValue) {
	for k, v := range item {
		if n, ok := v.(*types.AttributeValueMemberN); ok {
			if i, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
				sum[k] += i
			}
		}
	}
}

// dealClaim maps a CRM deal id to the lead that counts it
// (lead.DealClaim): the deal's other contacts count none of it.
type dealClaim struct {
	LeadID string `json:"leadId"`
}

const skDeal = "DEAL"

func dealPK(id string) string { return "DEAL#" + id }

// dealClaimPut writes a deal claim on condition that no other lead
// holds the deal — or, for a move (From), that From still holds it.
func (s *Store) dealClaimPut(c *lead.DealClaim) (*types.Put, error) {
	claim, err := withKey(dealClaim{LeadID: c.LeadID}, dealPK(c.DealID), skDeal)
	if err != nil {
		return nil, wrap("marshal deal claim", err)
	}
	cond := "attribute_not_exists(PK) OR leadId = :lead"
	values := map[string]types.AttributeValue{":lead": str(c.LeadID)}
	if c.From != "" {
		cond, values[":from"] = "leadId = :lead OR leadId = :from", str(c.From)
	}
	return &types.Put{TableName: &s.table, Item: claim, ConditionExpression: &cond, ExpressionAttributeValues: values}, nil
}

// SavePair saves two leads, each if nobody changed it since it was read
// (version check), with both changes' events, counters and deal claims,
// in one transaction: two contacts of a CRM deal that each counted it
// become one count of it (feedback.MergeDeal) — the win taken out of
// one and kept on the other, or neither. lead.ErrVersionConflict when
// either lead changed or a claim's condition failed (read both again);
// nothing is written then. The changes count in the month of a's At;
// when only counter shards are busy, through a COUNT# item of a's that
// the stream adds (as write does).
func (s *Store) SavePair(ctx context.Context, a lead.Lead, ach lead.Change, b lead.Lead, bch lead.Change) error {
	var items []types.TransactWriteItem
	var adds []statsAdd
	for _, w := range []struct {
		l  lead.Lead
		ch lead.Change
	}{{a, ach}, {b, bch}} {
		profile, err := profileItem(w.l)
		if err != nil {
			return err
		}
		cond := "version = :prev"
		items = append(items, types.TransactWriteItem{Put: &types.Put{
			TableName: &s.table, Item: profile, ConditionExpression: &cond,
			ExpressionAttributeValues: map[string]types.AttributeValue{":prev": num(int64(w.l.Version - 1))},
		}})
		rec, err := s.recorded(w.l.ID, w.ch.Events, nil, ach.At)
		if err != nil {
			return err
		}
		items = append(items, rec...)
		adds = mergeAdds(adds, statsAdds(w.l, w.ch.Counters, ach.At))
		if c := w.ch.DealClaim; c != nil {
			put, err := s.dealClaimPut(c)
			if err != nil {
				return err
			}
			items = append(items, types.TransactWriteItem{Put: put})
		}
	}
	from := len(items)
	for _, c := range adds {
		items = append(items, types.TransactWriteItem{Update: s.statsUpdate(c, ach.At)})
	}
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if onlyConflictsIn(err, from, len(items)) {
		// Only counter shards were taken (a burst on a campaign or a
		// rep's month): as for one lead's write, the counts go into a
		// COUNT# item of a's that the stream adds once (foldCount), and
		// the write goes again at once. Retrying the shards instead lost
		// to the burst for as long as it lasted.
		deferred, derr := s.deferredCount(a.ID, adds, ach.At)
		if derr != nil {
			return derr
		}
		items = append(items[:from:from], deferred)
		_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	}
	if codes, ok := cancelReasons(err); ok && slices.Contains(codes, "ConditionalCheckFailed") || conflicted(err) {
		return lead.ErrVersionConflict
	}
	if err != nil {
		return wrap("write leads", err)
	}
	return nil
}

// mergeAdds adds more's counter updates to adds, one update per stats
// item (a transaction may touch an item only once): two leads' counters
// of one campaign's, variant's or rep's month are added together.
func mergeAdds(adds, more []statsAdd) []statsAdd {
	for _, m := range more {
		i := slices.IndexFunc(adds, func(a statsAdd) bool {
			return a.Campaign == m.Campaign && a.Variant == m.Variant && a.Rep == m.Rep && a.Month == m.Month
		})
		if i < 0 {
			m.Names = slices.Clone(m.Names)
			m.By = maps.Clone(m.By)
			adds = append(adds, m)
			continue
		}
		adds[i].Names = append(adds[i].Names, m.Names...)
		for k, v := range m.By {
			if adds[i].By == nil {
				adds[i].By = map[string]int64{}
			}
			adds[i].By[k] += v
		}
	}
	return adds
}

// DealHolder is the lead a CRM deal counts on ("" when none claimed it).
func (s *Store) DealHolder(ctx context.Context, dealID string) (string, error) {
	var c dealClaim
	err := s.get(ctx, dealPK(dealID), skDeal, &c)
	if errors.Is(err, lead.ErrNotFound) {
		return "", nil
	}
	return c.LeadID, err
}

// get reads one item strongly consistently into v; lead.ErrNotFound
// when absent.
func (s *Store) get(ctx context.Context, pk, sk string, v any) error {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: key(pk, sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return wrap(fmt.Sprintf("get %s", sk), err)
	}
	if out.Item == nil {
		return lead.ErrNotFound
	}
	if err := unmarshal(out.Item, v); err != nil {
		return wrap(fmt.Sprintf("decode %s", sk), err)
	}
	return nil
}

// ScanLeads calls fn for every lead profile in the table. It reads the
// whole table: for offline tools (calibration from outcomes), never for a
// request.
func (s *Store) ScanLeads(ctx context.Context, fn func(lead.Lead) error) error {
	p := dynamodb.NewScanPaginator(scanner{s.db}, s.profileScan())
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return wrap("scan leads", err)
		}
		leads, err := decodeProfiles(page.Items)
		if err != nil {
			return err
		}
		for _, l := range leads {
			if err := fn(l); err != nil {
				return err
			}
		}
	}
	return nil
}

// profileScan is a Scan of the table that returns lead profiles only.
func (s *Store) profileScan() *dynamodb.ScanInput {
	return &dynamodb.ScanInput{TableName: &s.table,
		FilterExpression:          aws.String("SK = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": str(skProfile)}}
}

// decodeProfiles decodes a scan page's profile items.
func decodeProfiles(items []map[string]types.AttributeValue) ([]lead.Lead, error) {
	out := make([]lead.Lead, 0, len(items))
	for _, item := range items {
		var l lead.Lead
		if err := unmarshal(item, &l); err != nil {
			return nil, wrap("decode lead", err)
		}
		out = append(out, l)
	}
	return out, nil
}

// scanner exposes Scan when the client has it (the SDK client does).
type scanner struct{ db DynamoDB }

func (s scanner) Scan(ctx context.Context, in *dynamodb.ScanInput, opts ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	sc, ok := s.db.(interface {
		Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	})
	if !ok {
		return nil, errors.New("store: this client cannot scan")
	}
	return sc.Scan(ctx, in, opts...)
}
