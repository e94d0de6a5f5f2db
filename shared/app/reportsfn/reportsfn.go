// Package reportsfn wires the reports function: the dashboard (GET
// /reports, IAM-authorised, and GET /dashboard/{token}, a digest's signed
// link) and the scheduled weekly digest.
package reportsfn

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/campaign"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/handoff"
	"github.com/leadflow/leadflow/shared/logx"
	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/qualify"
	"github.com/leadflow/leadflow/shared/report"
	"github.com/leadflow/leadflow/shared/segment"
	"github.com/leadflow/leadflow/shared/store"
	"github.com/leadflow/leadflow/shared/token"
)

// Function is reports for the registry: a func, not a var, so a Lambda
// binary that never calls it does not link it (nor, through it, every
// client of awsclients.Clients).
func Function() app.Function {
	return app.Declare("reports", report.Routes, func(ctx context.Context, cfg config.Reports, env app.Env, c awsclients.Clients) (app.Handlers, error) {
		h, err := New(cfg, c.DynamoDB, c.Mail, env)
		if err != nil {
			return app.Handlers{}, err
		}
		list, err := NewOpenList(ctx, cfg, c.DynamoDB, c.Mail, c.Parameter, env)
		if err != nil {
			return app.Handlers{}, err
		}
		return Handlers(h, list), nil
	})
}

// NewOpenList builds the weekly list of each rep's open leads (sent with
// the digest).
func NewOpenList(ctx context.Context, cfg config.Reports, db *dynamodb.Client, m mail.Sender, params awsclients.Params, env app.Env) (*handoff.OpenList, error) {
	keys, err := token.LoadKeys(ctx, cfg.SigningKeys, cfg.SigningKeysParam, params)
	if err != nil {
		return nil, err
	}
	rules, err := qualify.Load(config.InTask(cfg.QualifyConfig))
	if err != nil {
		return nil, err
	}
	return &handoff.OpenList{Store: store.New(db, cfg.Table), Rules: rules, Keys: keys, Mail: m,
		From: cfg.Sender, BaseURL: cfg.PublicBaseURL, ConfigurationSet: cfg.ConfigurationSet, Fallback: cfg.SalesAddress,
		Clock: env.Clock, Log: logx.New(env.Logs, "reports", cfg.LogLevel)}, nil
}

// New builds the handler; its AWS clients are its parameters (SES for the
// digest). Reports count in the qualify config's outcomes.currency (the
// one revenue is counted in when deals are won): HOURLY_COST and
// CAMPAIGN_SPEND are in CURRENCY (default: that one) and campaign files'
// spends in their own currency, each converted at outcomes.rates, and a
// currency without a rate fails the function's start.
func New(cfg config.Reports, db *dynamodb.Client, m mail.Sender, env app.Env) (*report.Handler, error) {
	rules, err := qualify.Load(config.InTask(cfg.QualifyConfig))
	if err != nil {
		return nil, err
	}
	out := rules.Outcomes()
	econ := report.Economics{Currency: out.Currency, Spend: map[string]float64{}}
	rate := 1.0
	if cur := cfg.Currency; cur != "" && cur != out.Currency {
		r, ok := out.Rates[cur]
		if !ok {
			return nil, fmt.Errorf("config: CURRENCY=%s prices HOURLY_COST and CAMPAIGN_SPEND, but %s", cur, out.RateHint(cur))
		}
		rate = r
	}
	// The bounds are typo guards: beyond them a figure is no real one,
	// and the reports' products of it would overflow to Inf.
	for _, n := range []struct {
		name, value string
		max, rate   float64 // rate: into outcomes.currency
		dst         *float64
	}{{"MINUTES_PER_LEAD", cfg.MinutesPerLead, 24 * 60, 1, &econ.MinutesPerLead}, {"HOURLY_COST", cfg.HourlyCost, 1e6, rate, &econ.HourlyCost}} {
		if n.value == "" {
			continue
		}
		f, err := strconv.ParseFloat(n.value, 64)
		if err != nil || !(f > 0) || math.IsInf(f, 0) { // NaN and Inf too
			return nil, fmt.Errorf("config: %s=%q is not a positive number", n.name, n.value)
		}
		if f > n.max {
			return nil, fmt.Errorf("config: %s=%q is more than %.0f", n.name, n.value, n.max)
		}
		*n.dst = f * n.rate
	}
	spend, err := ParseSpend(cfg.CampaignSpend, rate)
	if err != nil {
		return nil, err
	}
	econ.Spend = spend
	campaigns, err := campaign.LoadConfigured(cfg.CampaignsDir)
	if err != nil {
		return nil, err
	}
	// Spend declared in campaign files, converted; the parameter
	// overrides it.
	spends, err := campaigns.SpendIn(out.Currency, out.Rates)
	if err != nil {
		return nil, err
	}
	for id, amount := range spends {
		if _, set := econ.Spend[id]; !set {
			econ.Spend[id] = amount
		}
	}
	// A/B baselines: the first variant each campaign file lists and
	// still shows (a retired one tests nothing new).
	econ.Controls = map[string]string{}
	for _, c := range campaigns.All() {
		if len(c.Variants) > 0 {
			econ.Controls[c.ID] = c.Variants[0].ID
		}
	}
	st := store.New(db, cfg.Table)
	segs, err := segment.LoadConfigured(cfg.SegmentsDir)
	if err != nil {
		return nil, err
	}
	return &report.Handler{Store: reportStore{st}, Economics: econ, Mail: m, Segments: segmentRows{segs, st},
		From: cfg.Sender, Marketing: cfg.MarketingAddress, ConfigurationSet: cfg.ConfigurationSet, BaseURL: cfg.PublicBaseURL,
		Teams: Teams(rules), Open: st, OpenHorizon: out.Horizon,
		Clock: env.Clock, Log: logx.New(env.Logs, "reports", cfg.LogLevel)}, nil
}

// Teams are the routing config's teams as the per-rep report and the
// team leads' digests read them.
func Teams(rules *qualify.Config) []report.Team {
	var out []report.Team
	for _, t := range rules.Teams() {
		rt := report.Team{Name: t.Name, Lead: report.Person{Name: t.Lead.Name, Email: t.Lead.Email}}
		for _, r := range t.Reps {
			rt.Reps = append(rt.Reps, report.Person{Name: r.Name, Email: r.Email})
		}
		out = append(out, rt)
	}
	return out
}

// Handlers are the reports function's two triggers: the dashboard, and
// the weekly schedule (the digest to marketing, each rep's open leads,
// each team lead's team digest).
func Handlers(h *report.Handler, list *handoff.OpenList) app.Handlers {
	// The digests' dashboard links are signed with the keys the open-leads
	// lists sign their outcome links with.
	h.Keys = list.Keys
	return app.Handlers{HTTP: h.Handle, Event: func(ctx context.Context, ev events.EventBridgeEvent) error {
		out, err := h.Digest(ctx)
		if err != nil {
			h.Log.Error("digest", "event", ev.ID, "error", err.Error())
		} else {
			h.Log.Info("digest", "event", ev.ID, "outcome", out)
		}
		sent, lerr := list.Send(ctx)
		if lerr != nil {
			h.Log.Error("open leads", "event", ev.ID, "sent", sent, "error", lerr.Error())
		} else {
			h.Log.Info("open leads", "event", ev.ID, "sent", sent)
		}
		teams, terr := h.TeamDigests(ctx)
		if terr != nil {
			h.Log.Error("team digests", "event", ev.ID, "sent", teams, "error", terr.Error())
		} else {
			h.Log.Info("team digests", "event", ev.ID, "sent", teams)
		}
		return errors.Join(err, lerr, terr) // retried: each email goes once
	}}
}

// segmentRows are the configured segments with the counts of their last
// export (the segments function records them).
type segmentRows struct {
	set *segment.Set
	st  *store.Store
}

func (s segmentRows) SegmentRows(ctx context.Context) ([]report.SegmentRow, error) {
	// The segments function records the runs; reading them here needs
	// the store only, not that function's wiring.
	rows, err := s.st.SegmentRuns(ctx)
	if err != nil {
		return nil, err
	}
	runs := make([]segment.Run, len(rows))
	for i, row := range rows {
		runs[i] = segment.Run(row)
	}
	var out []report.SegmentRow
	for _, sum := range segment.Summaries(s.set, runs, "") {
		row := report.SegmentRow{ID: sum.ID, Description: sum.Description, Matching: sum.Matching, Exportable: sum.Exportable, Export: sum.Export}
		if sum.CountedAt != nil {
			row.CountedAt = *sum.CountedAt
		}
		out = append(out, row)
	}
	return out, nil
}

// reportStore adapts the store's stats rows to report sources.
type reportStore struct{ *store.Store }

func (r reportStore) MonthSources(ctx context.Context, month string) ([]report.Source, error) {
	rows, err := r.MonthStats(ctx, month)
	if err != nil {
		return nil, err
	}
	out := make([]report.Source, len(rows))
	for i, row := range rows {
		out[i] = report.Source{Campaign: row.Campaign, Variant: row.Variant, Rep: row.Rep, Month: row.Month, Counters: row.Counters}
	}
	return out, nil
}

// ParseSpend reads CAMPAIGN_SPEND ("q4-demo=1200,brand-search=800"),
// each amount converted by rate into the reporting currency. A value it
// refuses stops the reports function at init; the template's
// CampaignSpend pattern refuses it at deploy first (deploy_test.go).
func ParseSpend(list string, rate float64) (map[string]float64, error) {
	spend := map[string]float64{}
	for _, part := range strings.Split(list, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		id, amount, ok := strings.Cut(part, "=")
		f, err := strconv.ParseFloat(amount, 64)
		if !ok || err != nil || !(f >= 0) || math.IsInf(f, 0) { // NaN and Inf too
			return nil, fmt.Errorf("config: CAMPAIGN_SPEND: %q is not campaign=amount", part)
		}
		if f > campaign.MaxSpend {
			return nil, fmt.Errorf("config: CAMPAIGN_SPEND: %q is more than %.0f", part, float64(campaign.MaxSpend))
		}
		if id = strings.TrimSpace(id); id == "" {
			return nil, fmt.Errorf("config: CAMPAIGN_SPEND: %q names no campaign", part)
		}
		if _, twice := spend[id]; twice {
			return nil, fmt.Errorf("config: CAMPAIGN_SPEND: campaign %q is given twice", id)
		}
		spend[id] = f * rate
	}
	return spend, nil
}
