package store

import (
	"cmp"
	"context"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leadflow/leadflow/shared/lead"
)

// repPK is the partition of a sales rep's counters: a hash of the
// address (lead.RepKey), like the open-leads index key.
func repPK(rep string) string { return repPrefix + lead.HashEmail(lead.RepKey(rep))[:24] }

// repPrefix starts a rep's partition key (and, after "~", the GSI1 sort
// key of its stats rows).
const repPrefix = "REP#"

// statsUpdate is the counter update of one stats item: a rep's month
// (repCounterAdd) or a campaign's, or one of its variants' (counterAdd).
func (s *Store) statsUpdate(a statsAdd, at time.Time) *types.Update {
	month := cmp.Or(a.Month, lead.Month(at))
	if a.Rep != "" {
		return s.repCounterAdd(a.Rep, month, at, a.By, a.Names...)
	}
	return s.counterAddIn(a.Campaign, a.Variant, month, at, a.By, a.Names...)
}

// repCounterAdd is counterAdd for a sales rep's counters of a month:
// REP#<hash>/STATS#<month>#<nn>, on one of StatsShards items chosen at
// random (a rep's alerts, answers and outcomes are written by concurrent
// transactions too). The item keeps the rep's address (rep, staff, not
// lead data) and the month index keys (STATS#<month>, ~REP#<hash>: after
// every campaign#variant), so the
// query that lists a month's campaigns lists its reps as well: the
// per-rep report costs no extra read.
func (s *Store) repCounterAdd(rep, month string, at time.Time, by map[string]int64, counters ...string) *types.Update {
	rep = lead.RepKey(rep)
	expr := "SET updatedAt = :now, rep = :r, #m = :m, GSI1PK = :gpk, GSI1SK = :gsk ADD "
	names := map[string]string{"#m": "month"}
	values := map[string]types.AttributeValue{":now": str(at.UTC().Format(time.RFC3339Nano)),
		":r": str(rep), ":m": str(month), ":gpk": str(statsPrefix(month)), ":gsk": str("~" + repPK(rep))}
	return &types.Update{
		TableName:                 &s.table,
		Key:                       key(repPK(rep), statsSK(month, "", rand.IntN(StatsShards))),
		UpdateExpression:          aws.String(addCounts(expr, names, values, by, counters)),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}
}

// OpenSince lists when each lead still open with a rep (accepted or SQL,
// no won or lost yet) was accepted, at or after since, oldest first: one
// query of the rep's
// partition of the open-leads index (GSI2) that returns its sort keys
// only (<accepted at>#<id>), never a lead's data. The per-rep report ages
// them; it is the current state, not a month's.
func (s *Store) OpenSince(ctx context.Context, rep string, since time.Time) ([]time.Time, error) {
	in := s.openQuery(OpenPK(lead.RepKey(rep)), since)
	in.ProjectionExpression = aws.String(attrGSI2SK)
	p := dynamodb.NewQueryPaginator(s.db, in)
	out := []time.Time{}
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, wrap("query open leads", err)
		}
		for _, item := range page.Items {
			sk, _ := item[attrGSI2SK].(*types.AttributeValueMemberS)
			if sk == nil {
				continue
			}
			at, _, _ := strings.Cut(sk.Value, "#")
			t, err := time.Parse(time.RFC3339, at)
			if err != nil {
				return nil, wrap("decode open lead key", err)
			}
			out = append(out, t)
		}
	}
	return out, nil
}
