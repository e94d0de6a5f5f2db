package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leadflow/leadflow/shared/lead"
)

// attrPending is the profile attribute that carries the events and
// counters of a single-item write (Put) until the table's stream records
// them as EVT# items and campaign counters (Materialize).
const attrPending = "pending"

// pending is what one Put still has to record.
type pending struct {
	At       time.Time    `json:"at"`
	Events   []lead.Event `json:"events"`
	Counters []statsAdd   `json:"counters,omitempty"`
}

// statsAdd is one counter update of a stats item.
type statsAdd struct {
	Campaign string `json:"campaign"`
	Variant  string `json:"variant,omitempty"`
	// Rep is set for a sales rep's counters (lead.RepCounter): the
	// item is the rep's month, not a campaign's.
	Rep string `json:"rep,omitempty"`
	// Month is the month counted in when it is not the write's own
	// ("yyyy-mm": lead.Counter.Month, an outcome reversed where it was
	// counted).
	Month string   `json:"month,omitempty"`
	Names []string `json:"names"` // each adds 1
	// By are counters that add an amount rather than 1 (revenue in
	// minor units), by name.
	By map[string]int64 `json:"by,omitempty"`
}

// putAlone runs a transaction's Put as a plain conditional PutItem.
func (s *Store) putAlone(ctx context.Context, p *types.Put) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: p.TableName, Item: p.Item,
		ConditionExpression: p.ConditionExpression, ExpressionAttributeValues: p.ExpressionAttributeValues})
	return err
}

// statsAdds groups a change's counters (of a write at at) by stats item,
// in first-seen order: a campaign's month, and for the lead's own
// campaign also the variant it saw first (A/B); a rep's counters go to
// the rep's month. A counter naming a month other than at's goes to that
// month's item; one naming at's month is grouped with the others of it (a
// transaction may update an item once).
func statsAdds(l lead.Lead, counters []lead.Counter, at time.Time) []statsAdd {
	var out []statsAdd
	index := map[[4]string]int{}
	add := func(campaign, variant, rep string, c lead.Counter) {
		month := c.Month
		if month == lead.Month(at) {
			month = ""
		}
		k := [4]string{campaign, variant, rep, month}
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, statsAdd{Campaign: campaign, Variant: variant, Rep: rep, Month: month})
		}
		if step := c.Step(); step != 1 {
			if out[i].By == nil {
				out[i].By = map[string]int64{}
			}
			out[i].By[c.Name] += step
			return
		}
		out[i].Names = append(out[i].Names, c.Name)
	}
	for _, c := range counters {
		if c.Rep != "" {
			add("", "", lead.RepKey(c.Rep), c)
			continue
		}
		add(c.Campaign, "", "", c)
		if v := l.FirstTouch.Variant; v != "" && c.Campaign == l.Campaign() {
			add(c.Campaign, v, "", c)
		}
	}
	return out
}

// Put writes the lead's profile alone: one PutItem conditional on the
// stored version being l.Version-1 (lead.ErrVersionConflict otherwise),
// no transaction. ch's events and counters ride in the item's pending
// attribute; Materialize, fed by the table's stream, writes them as the
// timeline events and counters a transactional write would have, and
// Timeline shows them meanwhile. A change with counters must have an
// event: the first event's item is what makes recording them idempotent.
func (s *Store) Put(ctx context.Context, l lead.Lead, ch lead.Change) error {
	if len(ch.Counters) > 0 && len(ch.Events) == 0 {
		return wrap("put lead", errors.New("counters without an event cannot be recorded exactly once"))
	}
	put, err := s.versioned(l)
	if err != nil {
		return err
	}
	if len(ch.Events) > 0 {
		p, err := marshal(pending{At: ch.At, Events: ch.Events, Counters: statsAdds(l, ch.Counters, ch.At)})
		if err != nil {
			return wrap("marshal pending", err)
		}
		put.Item[attrPending] = &types.AttributeValueMemberM{Value: p}
	}
	err = s.putAlone(ctx, put)
	if isConditionFailed(err) || conflicted(err) {
		return lead.ErrVersionConflict
	}
	if err != nil {
		return wrap("put lead", err)
	}
	return nil
}

// Materialize records what the Puts in a batch of stream records still
// have to (their pending events and counters), one transaction per Put:
// the events as EVT# items (created only if absent) with the counter
// updates. A replayed record finds its first event written and changes
// nothing, so the stream's at-least-once delivery counts nothing twice.
// It also adds the counts of new COUNT# items to the counters
// (deferredCount), deleting each in the same transaction.
func (s *Store) Materialize(ctx context.Context, records []events.DynamoDBEventRecord) error {
	for _, r := range records {
		img := r.Change.NewImage
		if img != nil && r.EventName == "INSERT" && strings.HasPrefix(img[attrSK].String(), skCountPrefix) {
			if err := s.foldCount(ctx, img); err != nil {
				return err
			}
			continue
		}
		if img == nil || img[attrSK].String() != skProfile {
			continue
		}
		raw, ok := img[attrPending]
		if !ok {
			continue
		}
		av, err := streamValue(raw)
		if err != nil {
			return fmt.Errorf("store: stream record %s: %w", img[attrPK].String(), err)
		}
		var p pending
		if err := unmarshalValue(av, &p); err != nil {
			return fmt.Errorf("store: stream record %s: %w", img[attrPK].String(), err)
		}
		if err := s.record(ctx, strings.TrimPrefix(img[attrPK].String(), "LEAD#"), p); err != nil {
			return err
		}
	}
	return nil
}

// record writes one Put's pending events and counters, once. A lead
// erased since gets its events without their facts (the erasure could
// not rewrite events it did not see yet); the counters count all the same.
//
// A transaction in flight on one of its items (the lead, a counter shard)
// refuses the write; it is tried again, on other shards.
func (s *Store) record(ctx context.Context, leadID string, p pending) error {
	return againOnConflict(ctx, func() error {
		err := s.recordOnce(ctx, leadID, p, false)
		if errors.Is(err, errErased) {
			err = s.recordOnce(ctx, leadID, p, true)
		}
		return err
	})
}

var errErased = errors.New("lead erased")

// recorded is a lead's new events (each created only if absent) and the
// counter updates of a change, as transaction items: what every write
// that records a change adds.
func (s *Store) recorded(leadID string, events []lead.Event, adds []statsAdd, at time.Time) ([]types.TransactWriteItem, error) {
	var items []types.TransactWriteItem
	for _, ev := range events {
		item, err := eventItem(leadID, ev)
		if err != nil {
			return nil, wrap("marshal event", err)
		}
		items = append(items, types.TransactWriteItem{Put: s.putNew(item)})
	}
	// One update per stats item: a transaction may touch an item only once.
	for _, c := range adds {
		items = append(items, types.TransactWriteItem{Update: s.statsUpdate(c, at)})
	}
	return items, nil
}

func (s *Store) recordOnce(ctx context.Context, leadID string, p pending, erased bool) error {
	events := p.Events
	if erased {
		events = make([]lead.Event, len(p.Events))
		for i, ev := range p.Events {
			ev.Data = nil
			events[i] = ev
		}
	}
	items, err := s.recorded(leadID, events, p.Counters, p.At)
	if err != nil {
		return err
	}
	if !erased {
		cond := "attribute_not_exists(erased) OR erased = :no"
		items = append(items, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: &s.table,
			Key: key(leadPK(leadID), skProfile), ConditionExpression: &cond,
			ExpressionAttributeValues: map[string]types.AttributeValue{":no": &types.AttributeValueMemberBOOL{Value: false}}}})
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	codes, ok := cancelReasons(err)
	switch {
	case ok && len(codes) > 0 && codes[0] == "ConditionalCheckFailed":
		return nil // recorded before: a replayed stream record
	case ok && !erased && len(codes) == len(items) && codes[len(codes)-1] == "ConditionalCheckFailed":
		return errErased
	case err != nil:
		return wrap("record pending", err)
	}
	return nil
}

// recordPending records what the lead's profile still carries pending
// (the last single-item write's events and counters), as the stream
// will: erasure does it first, so the counters of events it rewrites
// are never lost.
func (s *Store) recordPending(ctx context.Context, leadID string) error {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: key(leadPK(leadID), skProfile), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return wrap("read lead", err)
	}
	raw, ok := out.Item[attrPending]
	if !ok {
		return nil
	}
	var p pending
	if err := unmarshalValue(raw, &p); err != nil {
		return wrap("decode pending", err)
	}
	return s.record(ctx, leadID, p)
}

func unmarshalValue(av types.AttributeValue, v any) error {
	m, ok := av.(*types.AttributeValueMemberM)
	if !ok {
		return errors.New("pending is not a map")
	}
	return unmarshal(m.Value, v)
}

// timelineOf reads a lead's partition once: its EVT# items, oldest first,
// and the events its profile still carries pending.
func (s *Store) timelineOf(ctx context.Context, leadID string) ([]lead.Event, error) {
	var out []lead.Event
	seen := map[string]bool{}
	late, err := s.partition(ctx, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(leadPK(leadID))},
		ConsistentRead:            aws.Bool(true),
	}, func(sk string, decode func() (lead.Event, error)) (bool, error) {
		ev, err := decode()
		seen[sk] = true
		out = append(out, ev)
		return true, err
	})
	if err != nil {
		return nil, wrap("query timeline", err)
	}
	for _, ev := range late {
		if !seen[eventSK(ev.At, ev.Kind, ev.ID)] {
			out = append(out, ev)
		}
	}
	// In time order, which the keys' is not within a second
	// (lead.ByTime).
	slices.SortStableFunc(out, lead.ByTime)
	return out, nil
}

// partition runs a query of a lead's partition: it hands each EVT# item
// to event (with its sort key, decoded on demand) until event says stop,
// and returns the events the profile, if read, carries pending.
func (s *Store) partition(ctx context.Context, in *dynamodb.QueryInput, event func(sk string, decode func() (lead.Event, error)) (bool, error)) (late []lead.Event, err error) {
	p := dynamodb.NewQueryPaginator(s.db, in)
	for more := true; more && p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, item := range page.Items {
			sk := ""
			if v, ok := item[attrSK].(*types.AttributeValueMemberS); ok {
				sk = v.Value
			}
			switch {
			case strings.HasPrefix(sk, "EVT#") && more:
				more, err = event(sk, func() (ev lead.Event, err error) {
					if err = unmarshal(item, &ev); err != nil {
						err = fmt.Errorf("decode event: %w", err)
					}
					return ev, err
				})
				if err != nil {
					return nil, err
				}
			case sk == skProfile && item[attrPending] != nil:
				var pend pending
				if err := unmarshalValue(item[attrPending], &pend); err != nil {
					return nil, fmt.Errorf("decode pending: %w", err)
				}
				late = pend.Events
			}
		}
	}
	return late, nil
}

// RecentEvents reads a lead's newest events that r asks for, oldest
// first, with what its profile still carries pending: one query of the
// partition from its profile down (newest first), stopping once it holds
// more than r.Max events r wants and has read the rest of that second
// (lead.RecentScan), or has examined lead.RecentBudget events. more
// reports that older events r wants were left out, or may exist unread.
func (s *Store) RecentEvents(ctx context.Context, leadID string, r lead.Recent) (events []lead.Event, more bool, err error) {
	// The second r.From starts in: RFC 3339 keys of the same second sort
	// by their fraction after the whole second's key, so the range opens
	// at the second's prefix and Wants drops what is earlier.
	from := "EVT#"
	if !r.From.IsZero() {
		from += r.From.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05")
	}
	seen := map[string]bool{}
	scan := lead.RecentScan{R: r}
	late, err := s.partition(ctx, &dynamodb.QueryInput{
		TableName:              &s.table,
		KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :from AND :profile"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(leadPK(leadID)),
			":from": str(from), ":profile": str(skProfile)},
		ScanIndexForward: aws.Bool(false),
		ConsistentRead:   aws.Bool(true),
		Limit:            aws.Int32(recentPage),
	}, func(sk string, decode func() (lead.Event, error)) (bool, error) {
		ev, err := decode()
		if err != nil {
			return false, err
		}
		if !scan.Take(ev) {
			return false, nil
		}
		seen[sk] = true
		return true, nil
	})
	if err != nil {
		return nil, false, wrap("query recent events", err)
	}
	var pending []lead.Event
	for _, ev := range late {
		if !seen[eventSK(ev.At, ev.Kind, ev.ID)] {
			pending = append(pending, ev)
		}
	}
	events, more = scan.Answer(pending...)
	return events, more, nil
}

// recentPage is how many items a page of RecentEvents holds: an email's
// worth of events, not the megabyte DynamoDB would return.
const recentPage = 100

// skCountPrefix starts the sort key of a lead's deferred counts.
const skCountPrefix = "COUNT#"

// counted is a COUNT# item: counter updates a lead write could not make
// because other transactions had the counter shards at that moment.
type counted struct {
	At       time.Time  `json:"at"`
	Counters []statsAdd `json:"counters"`
}

// deferredCount is the Put of a COUNT# item in the lead's partition,
// written in the lead's transaction instead of the counter updates. No
// other write touches it, so it cannot collide; the stream adds its counts
// to the shards and deletes it, once (foldCount).
func (s *Store) deferredCount(leadID string, adds []statsAdd, at time.Time) (types.TransactWriteItem, error) {
	sk := skCountPrefix + at.UTC().Format(time.RFC3339Nano) + "#" + strconv.FormatUint(rand.Uint64(), 36)
	item, err := withKey(counted{At: at, Counters: adds}, leadPK(leadID), sk)
	if err != nil {
		return types.TransactWriteItem{}, wrap("marshal deferred count", err)
	}
	return types.TransactWriteItem{Put: s.putNew(item)}, nil
}

// foldCount adds a COUNT# item's counts to the counter shards and deletes
// it in one transaction, conditional on the item still being there: a
// replayed stream record counts nothing twice.
func (s *Store) foldCount(ctx context.Context, img map[string]events.DynamoDBAttributeValue) error {
	pk, sk := img[attrPK].String(), img[attrSK].String()
	item, err := fromStream(img)
	if err != nil {
		return fmt.Errorf("store: stream record %s/%s: %w", pk, sk, err)
	}
	var c counted
	if err := unmarshal(item, &c); err != nil {
		return fmt.Errorf("store: stream record %s/%s: %w", pk, sk, err)
	}
	return againOnConflict(ctx, func() error {
		cond := "attribute_exists(PK)"
		items := []types.TransactWriteItem{{Delete: &types.Delete{TableName: &s.table, Key: key(pk, sk), ConditionExpression: &cond}}}
		for _, a := range c.Counters {
			items = append(items, types.TransactWriteItem{Update: s.statsUpdate(a, c.At)})
		}
		_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if conditionFailed(err, 0) {
			return nil // folded before: a replayed record
		}
		if err != nil && !conflicted(err) {
			return wrap("fold deferred count", err)
		}
		return err
	})
}

// onlyConflictsIn reports whether err is a transaction cancelled only
// because other transactions had some of its items [from, to).
func onlyConflictsIn(err error, from, to int) bool {
	codes, ok := cancelReasons(err)
	if !ok || from >= to {
		return false
	}
	conflict := false
	for i, c := range codes {
		switch {
		case c == "TransactionConflict" && i >= from && i < to:
			conflict = true
		case c != "None" && c != "":
			return false
		}
	}
	return conflict
}
