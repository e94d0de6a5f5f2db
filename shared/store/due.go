package store

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leadflow/leadflow/shared/lead"
)

// Due returns up to limit leads due at or before now in one shard of the
// sparse due index, soonest first. A tick reads every shard; leads with
// nothing due are not in the index at all, so the cost of a tick follows
// what is due, not how many leads exist. The index projects whole
// profiles, so no per-lead read is needed; it is eventually consistent,
// and the version check of every claim catches a stale copy.
func (s *Store) Due(ctx context.Context, shard int, now time.Time, limit int) ([]lead.Lead, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              &s.table,
		IndexName:              aws.String(indexDue),
		KeyConditionExpression: aws.String("GSI1PK = :pk AND GSI1SK <= :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str("DUE#" + strconv.Itoa(shard)), ":now": str(now.UTC().Format(dueLayout) + "#~"),
		},
		Limit: aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, wrap("query due", err)
	}
	leads := make([]lead.Lead, 0, len(out.Items))
	for _, item := range out.Items {
		var l lead.Lead
		if err := unmarshal(item, &l); err != nil {
			return nil, wrap("decode due lead", err)
		}
		leads = append(leads, l)
	}
	return leads, nil
}

// OpenPK is the open-leads index key of a rep: a hash of the address.
func OpenPK(rep string) string { return "OPEN#" + lead.HashEmail(strings.ToLower(rep))[:24] }

// openQuery reads the open-leads index partition pk from since on: its
// sort key starts with the acceptance time, so what was accepted before
// is not read at all.
func (s *Store) openQuery(pk string, since time.Time) *dynamodb.QueryInput {
	return &dynamodb.QueryInput{
		TableName:              &s.table,
		IndexName:              aws.String(indexOpen),
		KeyConditionExpression: aws.String("GSI2PK = :pk AND GSI2SK >= :since"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk),
			":since": str(since.UTC().Truncate(time.Second).Format(time.RFC3339))},
	}
}

// OpenLeads lists the leads open with a rep (accepted, no won or lost
// yet) that were accepted at or after since, oldest acceptance first, at
// most limit.
func (s *Store) OpenLeads(ctx context.Context, rep string, since time.Time, limit int) ([]lead.Lead, error) {
	p := dynamodb.NewQueryPaginator(s.db, s.openQuery(OpenPK(rep), since))
	return queryUpTo[lead.Lead](ctx, p, limit, "query open leads", "decode open lead")
}

// queryUpTo decodes the items of p's pages into Ts, at most limit of
// them, reading another page only while fewer were read; query and
// decode name the failing step in its error.
func queryUpTo[T any](ctx context.Context, p *dynamodb.QueryPaginator, limit int, query, decode string) ([]T, error) {
	var out []T
	for p.HasMorePages() && len(out) < limit {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, wrap(query, err)
		}
		for _, item := range page.Items {
			if len(out) == limit {
				break
			}
			var v T
			if err := unmarshal(item, &v); err != nil {
				return nil, wrap(decode, err)
			}
			out = append(out, v)
		}
	}
	return out, nil
}

// NextTurn takes the next turn of a team's round robin: an atomic counter,
// so concurrent hot leads each get a distinct turn and none is lost.
func (s *Store) NextTurn(ctx context.Context, team string) (int64, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: key("ROTATION#"+team, "STATE"),
		UpdateExpression:          aws.String("ADD turns :one"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1)},
		ReturnValues:              types.ReturnValueUpdatedNew,
	})
	if err != nil {
		return 0, wrap("next turn", err)
	}
	n, ok := out.Attributes["turns"].(*types.AttributeValueMemberN)
	if !ok {
		return 0, wrap("next turn", errNoCounter)
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	return v - 1, err
}

// Allow is a fixed-window rate limit: at most limit calls per window for
// a key, counted with one conditional update (the counter expires by TTL).
func (s *Store) Allow(ctx context.Context, rateKey string, limit int, window time.Duration, now time.Time) (bool, error) {
	start := now.Truncate(window)
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           &s.table,
		Key:                 key("RATE#"+rateKey+"#"+start.UTC().Format(time.RFC3339), "RATE"),
		UpdateExpression:    aws.String("ADD n :one SET expiresAt = :exp"),
		ConditionExpression: aws.String("attribute_not_exists(n) OR n < :limit"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": num(1), ":limit": num(int64(limit)), ":exp": num(start.Add(2 * window).Unix()),
		},
	})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, wrap("rate limit", err)
	}
	return true, nil
}

// StatsRow is one campaign's (or one variant's) counters for a month,
// or a sales rep's (Rep set, Campaign and Variant empty).
type StatsRow struct {
	Campaign, Variant, Month string
	Rep                      string
	Counters                 map[string]int64
}

// MonthStats lists every campaign's and every rep's counters for a month
// (one query of the stats rows in GSI1, paginated): what reports read,
// never leads. The shards of a campaign's (or variant's, or rep's)
// counters are summed into one row.
func (s *Store) MonthStats(ctx context.Context, month string) ([]StatsRow, error) {
	in := &dynamodb.QueryInput{
		TableName:                 &s.table,
		IndexName:                 aws.String(indexDue),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(statsPrefix(month))},
	}
	var rows []StatsRow
	index := map[[3]string]int{}
	p := dynamodb.NewQueryPaginator(s.db, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, wrap("query stats", err)
		}
		for _, item := range page.Items {
			var k [3]string
			for i, attr := range []string{"campaign", "variant", "rep"} {
				if v, ok := item[attr].(*types.AttributeValueMemberS); ok {
					k[i] = v.Value
				}
			}
			i, ok := index[k]
			if !ok {
				i = len(rows)
				index[k] = i
				rows = append(rows, StatsRow{Campaign: k[0], Variant: k[1], Rep: k[2], Month: month, Counters: map[string]int64{}})
			}
			addCounters(rows[i].Counters, item)
		}
	}
	return rows, nil
}

// RepsCounted lists the reps (addresses as lead.RepKey keeps them) with
// counters in a month: the month's rep stats rows only (their GSI1 sort
// keys, ~REP#<hash>, follow every campaign's), their rep attribute only.
func (s *Store) RepsCounted(ctx context.Context, month string) ([]string, error) {
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:              &s.table,
		IndexName:              aws.String(indexDue),
		KeyConditionExpression: aws.String("GSI1PK = :pk AND begins_with(GSI1SK, :rep)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(statsPrefix(month)),
			":rep": str("~" + repPrefix)},
		ProjectionExpression: aws.String("rep"),
	})
	out := []string{}
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, wrap("query rep stats", err)
		}
		for _, item := range page.Items {
			if v, ok := item["rep"].(*types.AttributeValueMemberS); ok && v.Value != "" && !slices.Contains(out, v.Value) {
				out = append(out, v.Value)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// Once records key the first time and reports whether this was it.
func (s *Store) Once(ctx context.Context, k string, at time.Time) (bool, error) {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, ConditionExpression: aws.String(condNew),
		Item: map[string]types.AttributeValue{attrPK: str(k), attrSK: str("ONCE"), "at": str(at.UTC().Format(time.RFC3339Nano))}})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, wrap("once", err)
	}
	return true, nil
}

// Forget removes a key recorded by Once.
func (s *Store) Forget(ctx context.Context, k string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.table, Key: key(k, "ONCE")})
	if err != nil {
		return wrap("forget", err)
	}
	return nil
}
