package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/leadflow/leadflow/shared/app/enrol"
	"github.com/leadflow/leadflow/shared/campaign"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/nurture"
	"github.com/leadflow/leadflow/shared/qualify"
	"github.com/leadflow/leadflow/shared/segment"
	"github.com/leadflow/leadflow/shared/track"
	"github.com/leadflow/leadflow/shared/yamlconf"
)

func checkConfig(args []string, stdout, stderr io.Writer, now time.Time) int {
	fs := flag.NewFlagSet("check-config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "qualification config `file` (default: the embedded default)")
	campaignsDir := fs.String("campaigns", "", "campaign files `folder` whose qualify: sections override scoring (default: config/campaigns when it exists)")
	segmentsDir := fs.String("segments", "", "retargeting segment files `folder` (default: config/segments when it exists)")
	sequencesPath := fs.String("sequences", "", "nurture sequences config `file` (default: the embedded default)")
	leadPath := fs.String("lead", "", "evaluate this lead: a JSON `file` shaped like a submission")
	trackPages := fs.String("track-pages", "", "the deployment's TRACK_PAGES, `/path=signal,...`: page signals the config names are checked against it (default: the track function's "+track.DefaultPages+")")
	signalList := fs.String("signals", "", "engagement signals for -lead, comma separated: `kind[@age]`, e.g. pricing_page_view,email_click@48h\n(the lead's own form_type always counts as a form:<form_type> signal now, form:contact without one, as capture records it)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: leadflow check-config [-config FILE] [-campaigns DIR] [-segments DIR] [-sequences FILE] [-track-pages /PATH=SIGNAL,...] [-lead LEAD.json] [-signals KIND[@AGE],...]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "check-config: unexpected argument %q\n", fs.Arg(0))
		return 2
	}

	// Every config file a deployment ships, checked together: all
	// problems of all of them at once, as file:line: message.
	var problems []string
	// A page signal is recorded only when TRACK_PAGES maps a page to it:
	// one the config names but no page records would never count.
	spec := *trackPages
	if spec == "" {
		spec = track.DefaultPages
	}
	pages, err := track.ParsePages(spec)
	if err != nil {
		problems = append(problems, "TRACK_PAGES: "+err.Error())
	}
	unrecorded := track.Unrecorded(pages)
	cfg, err := qualify.Load(*configPath)
	if err != nil {
		problems = append(problems, err.Error())
	}
	dir, explicit := *campaignsDir, *campaignsDir != ""
	if !explicit {
		dir = filepath.Join("config", "campaigns")
	}
	campaigns := ""
	var set *campaign.Set
	if _, statErr := os.Stat(dir); statErr == nil || explicit {
		set, err = campaign.LoadDir(dir)
		if err == nil && cfg != nil {
			// The reports function converts every spend into the
			// reporting currency and refuses to start without a rate.
			out := cfg.Outcomes()
			_, spendErr := set.SpendIn(out.Currency, out.Rates)
			cfg, err = set.Qualify(cfg)
			err = errors.Join(err, spendErr)
		}
		if err != nil {
			problems = append(problems, err.Error())
		} else {
			campaigns = campaignsLine(dir, set)
		}
	}
	if cfg != nil && pages != nil {
		// The rules with every campaign's overrides (their files' lines).
		if err := cfg.CheckSignals(unrecorded); err != nil {
			problems = append(problems, err.Error())
		}
	}
	// Segments: their files, and the variants and reason codes they name
	// against the campaign files and the qualification config.
	segDir, segExplicit := *segmentsDir, *segmentsDir != ""
	if !segExplicit {
		segDir = filepath.Join("config", "segments")
	}
	segmentsOK := ""
	if _, statErr := os.Stat(segDir); statErr == nil || segExplicit {
		segs, err := segment.LoadDir(segDir)
		if err == nil && cfg != nil {
			known := segment.Deployment(set, cfg)
			if pages != nil {
				known.SignalProblem = unrecorded
			}
			err = segs.Check(known)
		}
		if err != nil {
			problems = append(problems, err.Error())
		} else {
			segmentsOK = segmentsLine(segDir, segs)
		}
	}
	seqs, err := nurture.Load(*sequencesPath)
	if err != nil {
		problems = append(problems, err.Error())
	} else if pages != nil {
		if err := seqs.CheckSignals(unrecorded); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if set != nil && seqs != nil {
		// A campaign's sequence: must be one the sequences config has.
		if _, err := enrol.CampaignSequences(set, seqs); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stderr, strings.TrimRight(p, "\n"))
		}
		return 1
	}
	fmt.Fprintf(stdout, "qualification config OK (%s): %s\n", orDefault(*configPath), cfg.Summary())
	if campaigns != "" {
		fmt.Fprintln(stdout, campaigns)
	}
	if segmentsOK != "" {
		fmt.Fprintln(stdout, segmentsOK)
	}
	fmt.Fprintf(stdout, "nurture sequences OK (%s): %s\n", orDefault(*sequencesPath), seqs.Summary())
	if *leadPath == "" {
		if *signalList != "" {
			fmt.Fprintln(stderr, "check-config: -signals needs -lead")
			return 2
		}
		return 0
	}

	l, err := readLead(*leadPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	signals, err := parseSignals(*signalList, now)
	if err != nil {
		fmt.Fprintf(stderr, "check-config: -signals: %v\n", err)
		return 2
	}
	// As capture records it: the form's type, or a plain form fill.
	signals = append(signals, qualify.Signal{Kind: qualify.FormSignal(l.FormKind()), At: now})
	printDecision(stdout, cfg, l, signals, now)
	return 0
}

// filesLine says what a folder check covered: "config/campaigns: 2
// campaign files OK (q4-demo, webinar-nov)".
func filesLine(dir, kind string, ids []string) string {
	switch len(ids) {
	case 0:
		return dir + ": no " + kind + " files"
	case 1:
		return dir + ": 1 " + kind + " file OK (" + ids[0] + ")"
	}
	return fmt.Sprintf("%s: %d %s files OK (%s)", dir, len(ids), kind, strings.Join(ids, ", "))
}

func campaignsLine(dir string, set *campaign.Set) string {
	var ids []string
	for _, c := range set.All() {
		ids = append(ids, c.ID)
	}
	return filesLine(dir, "campaign", ids)
}

func segmentsLine(dir string, set *segment.Set) string {
	var ids []string
	for _, s := range set.All() {
		ids = append(ids, s.ID)
	}
	return filesLine(dir, "segment", ids)
}

func orDefault(path string) string {
	if path == "" {
		return "embedded default"
	}
	return path
}

// readLead reads a submission JSON file into a new lead. Unknown fields are
// errors, so a typo in a sample does not silently score as missing.
func readLead(path string) (lead.Lead, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return lead.Lead{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s lead.Submission
	if err := dec.Decode(&s); err != nil {
		return lead.Lead{}, fmt.Errorf("%s: %w", path, err)
	}
	email, reason := lead.NormaliseEmail(s.Email)
	if reason != "" {
		return lead.Lead{}, fmt.Errorf("%s: email %s", path, reason)
	}
	s.Email = email
	return lead.New("sample", s), nil
}

// parseSignals reads "pricing_page_view,email_click@48h": each kind
// happened now, or the given age (hours, minutes or days) before now.
func parseSignals(list string, now time.Time) ([]qualify.Signal, error) {
	var out []qualify.Signal
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		kind, age, hasAge := strings.Cut(item, "@")
		if problem := qualify.SignalKindProblem(kind); problem != "" {
			return nil, errors.New(problem)
		}
		at := now
		if hasAge {
			d, err := yamlconf.ParseDuration(age) // 48h, or days as the config writes them: 2d
			if err != nil || d < 0 {
				return nil, fmt.Errorf("bad age %q in %q (use e.g. email_click@48h or email_click@2d)", age, item)
			}
			at = now.Add(-d)
		}
		out = append(out, qualify.Signal{Kind: kind, At: at})
	}
	return out, nil
}

func printDecision(w io.Writer, cfg *qualify.Config, l lead.Lead, signals []qualify.Signal, now time.Time) {
	d := cfg.Evaluate(l, signals, now)
	team, t := cfg.Route(l)
	fmt.Fprintf(w, "\nlead %s\n", l.Email)
	if d.Disqualified {
		fmt.Fprintf(w, "  disqualified: %s\n", d.Reason)
	}
	fmt.Fprintf(w, "  grade %s (%d fit points), engagement %.1f, %s → stage %s\n",
		d.Grade, d.FitPoints, d.Score, d.Temperature, qualify.StageFor(lead.StageNew, d))
	reps := make([]string, 0, len(t.Reps))
	for _, r := range t.Available() {
		reps = append(reps, r.Name)
	}
	fmt.Fprintf(w, "  team %s (%s), first response within %s\n", team, strings.Join(reps, ", "), cfg.SLAText(t))
	if d.Campaign != "" {
		fmt.Fprintf(w, "  campaign overrides: %s\n", d.Campaign)
	}
	fmt.Fprintln(w, "  reasons:")
	for _, r := range d.Reasons {
		fmt.Fprintf(w, "    %s\n", r)
	}
}
