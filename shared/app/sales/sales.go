// Package sales is the wiring that capture, track, nurture and feedback share: the
// qualification rules, the nurture sequences and campaign files, the
// store, the exactly-once sender, the sales handoff and the nurture
// runner, built once per function from its configuration.
package sales

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/leadflow/leadflow/shared/app/enrol"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/campaign"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/handoff"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/ids"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/nurture"
	"github.com/leadflow/leadflow/shared/optin"
	"github.com/leadflow/leadflow/shared/qualify"
	"github.com/leadflow/leadflow/shared/sendonce"
	"github.com/leadflow/leadflow/shared/store"
	"github.com/leadflow/leadflow/shared/token"
)

// Lease is how long a worker holds a lead while it sends one email.
const Lease = 2 * time.Minute

// Sales is what a function that qualifies leads and alerts sales uses.
type Sales struct {
	Rules     *qualify.Config
	Campaigns *campaign.Set
	Sequences *nurture.Config
	Keys      token.Keys
	// Evidence hashes consent evidence with a key derived from Keys.
	Evidence lead.Evidence
	Store    *store.Store
	Send     *sendonce.Sender
	Handoff  *handoff.Service
	// Qualify re-grades and enrols in nurture sequences.
	Qualify nurture.Enroller
	Runner  *nurture.Runner
	// OptIn sends the confirmation emails consent requests owe.
	OptIn *optin.Sender
}

// New builds the shared wiring from the function's config and clients.
func New(ctx context.Context, cfg config.Sales, db *dynamodb.Client, m mail.Sender, params awsclients.Params, log *slog.Logger, clock func() time.Time) (*Sales, error) {
	enrolment, campaigns, err := enrol.Load(cfg.Qualifying)
	if err != nil {
		return nil, err
	}
	rules, seq := enrolment.Rules.(*qualify.Config), enrolment.Sequences
	keys, err := token.LoadKeys(ctx, cfg.SigningKeys, cfg.SigningKeysParam, params)
	if err != nil {
		return nil, err
	}
	st := store.New(db, cfg.Table)
	send := &sendonce.Sender{Store: st, Mail: m, Lease: Lease, Confirm: sendonce.DefaultConfirm, Clock: clock, NewID: ids.New}
	s := &Sales{Rules: rules, Campaigns: campaigns, Sequences: seq, Keys: keys, Evidence: enrol.Evidence(keys), Store: st, Send: send}
	s.Handoff = &handoff.Service{
		Store: st, Send: send, Rules: rules, Keys: keys,
		From: cfg.Sender, Fallback: cfg.SalesAddress, BaseURL: cfg.PublicBaseURL, ConfigurationSet: cfg.ConfigurationSet,
		LinkTTL: links.AlertTTL, Clock: clock, NewID: ids.New, Log: log, Labels: campaigns,
	}
	perSource, window, err := handoff.ParseLimit(cfg.AlertLimit)
	if err != nil {
		return nil, fmt.Errorf("config: ALERT_LIMIT (template parameter AlertLimit): %w", err)
	}
	perCampaign, err := handoff.ParseCount(cfg.AlertCampaignLimit)
	if err != nil {
		return nil, fmt.Errorf("config: ALERT_CAMPAIGN_LIMIT (template parameter AlertCampaignLimit): %w", err)
	}
	if perSource > 0 || perCampaign > 0 || cfg.AlertDedupWindow > 0 {
		s.Handoff.Flood = &handoff.Flood{Store: st, PerSource: perSource, PerCampaign: perCampaign, Window: window,
			Dedup: cfg.AlertDedupWindow, Known: campaigns.Known}
	}
	s.Qualify = enrolment
	s.Handoff.Requalify = enrolment
	s.OptIn = &optin.Sender{Send: send, Keys: keys, From: cfg.Sender, BaseURL: cfg.PublicBaseURL,
		ConfigurationSet: cfg.ConfigurationSet, Zone: seq.Location, Clock: clock, NewID: ids.New}
	s.Runner = &nurture.Runner{Sequences: seq, Rules: rules, Store: st, Send: send, Keys: keys,
		From: cfg.Sender, Sales: cfg.SalesAddress, BaseURL: cfg.PublicBaseURL, ConfigurationSet: cfg.ConfigurationSet,
		HandOff: s.HandOff, Campaigns: enrolment.Campaigns, Clock: clock, NewID: ids.New}
	return s, nil
}

// HandOff runs the sales handoff for a lead in hand.
func (s *Sales) HandOff(ctx context.Context, l lead.Lead, owner, base string) (lead.Outcome, error) {
	return s.Handoff.RunLead(ctx, l, owner, base)
}

// AllowedOrigins reads ALLOWED_ORIGINS; a list naming no origin would
// refuse every browser, so it stops the function at init instead.
func AllowedOrigins(list string) (httpapi.CORS, error) {
	cors, err := httpapi.ParseCORS(list)
	if err != nil {
		return httpapi.CORS{}, fmt.Errorf("config: ALLOWED_ORIGINS (template parameter AllowedOrigins): %w", err)
	}
	return cors, nil
}
