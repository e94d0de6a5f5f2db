//go:build ignore

// Genleads writes leads.json, 900 stored leads as the local stack's GET
// /_local/leads answers ({"leads": [...]}), with the outcomes the product
// records — accepted (sal), qualified (sql), won with the deal's value,
// lost, rejected, sent back to nurturing — and leads without one yet (new,
// mql), disqualified by the config, or unsubscribed. Outcomes follow a
// known logistic model of the title, company size, industry, form and
// pricing page views; engagement after the hand-off (a customer's page
// views) follows the outcome and must not count.
//
//	go run ./testdata/calibrate/genleads.go > testdata/calibrate/leads.json
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"time"
)

const n = 900

var rng = rand.New(rand.NewPCG(2026, 19))

type signal struct {
	Kind string    `json:"kind"`
	At   time.Time `json:"at"`
}

type storedLead struct {
	ID          string            `json:"id"`
	Email       string            `json:"email"`
	JobTitle    string            `json:"job_title,omitempty"`
	CompanySize string            `json:"company_size,omitempty"`
	Industry    string            `json:"industry,omitempty"`
	Country     string            `json:"country,omitempty"`
	FormType    string            `json:"form_type,omitempty"`
	Answers     map[string]string `json:"answers,omitempty"`
	Stage       string            `json:"stage"`
	CreatedAt   time.Time         `json:"created_at"`
	Signals     []signal          `json:"signals,omitempty"`
	Handoff     map[string]any    `json:"handoff,omitempty"`
	Deal        map[string]any    `json:"deal,omitempty"`
	SentBack    map[string]any    `json:"sent_back,omitempty"`
}

func pick[T any](xs ...T) T { return xs[rng.IntN(len(xs))] }

func main() {
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	var leads []storedLead
	for i := range n {
		created := start.Add(time.Duration(rng.IntN(90*24)) * time.Hour)
		l := storedLead{ID: fmt.Sprintf("L%04d", i+1), CreatedAt: created,
			Email: fmt.Sprintf("p%d@c%d.example", i, rng.IntN(400))}
		z := -2.0
		switch r := rng.Float64(); {
		case r < 0.2:
			l.JobTitle, z = pick("VP Marketing", "Head of Growth", "CMO"), z+1.8
		case r < 0.6:
			l.JobTitle, z = pick("Marketing Manager", "Demand Gen Manager", "Sales Manager"), z+0.6
		case r < 0.9:
			l.JobTitle = pick("Analyst", "Engineer", "Consultant", "Designer")
		}
		size := pick(8, 25, 60, 120, 300, 800, 2500)
		l.CompanySize = fmt.Sprint(size)
		if size < 20 {
			z -= 1.3
		} else if size >= 50 && size <= 1000 {
			z += 0.8
		}
		switch r := rng.Float64(); {
		case r < 0.35:
			l.Industry, z = pick("Software", "SaaS"), z+1.0
		case r < 0.55:
			l.Industry = "Retail"
		case r < 0.7:
			l.Industry, z = "Education", z-1.2
		case r < 0.95:
			l.Industry = pick("Manufacturing", "Healthcare", "Finance")
		}
		l.Country = pick("DE", "US", "GB", "FR", "NL")
		l.FormType = pick("demo_request", "content_download", "content_download", "webinar", "newsletter")
		z += map[string]float64{"demo_request": 1.3, "content_download": 0, "webinar": 0.2, "newsletter": -1.0}[l.FormType]
		l.Signals = append(l.Signals, signal{Kind: "form:" + l.FormType, At: created})
		views := int(math.Floor(rng.ExpFloat64() * 1.5))
		z += 0.35 * float64(min(views, 6))
		for v := range views {
			l.Signals = append(l.Signals, signal{Kind: "pricing_page_view", At: created.Add(time.Duration(v+1) * 20 * time.Hour)})
		}
		converted := rng.Float64() < 1/(1+math.Exp(-z))
		sent := created.Add(6 * 24 * time.Hour)
		answered := sent.Add(2 * time.Hour)
		switch r := rng.Float64(); {
		case r < 0.08:
			l.Stage = pick("new", "mql")
		case r < 0.11:
			l.Stage = "unsubscribed"
		case r < 0.14:
			l.Stage = "disqualified" // by the config's disqualifiers: no outcome from sales
		case converted:
			l.Handoff = map[string]any{"state": "answered", "sent_at": sent, "answered_at": answered}
			l.Stage = pick("sal", "sql", "won", "won")
			l.Deal = map[string]any{"accepted_at": answered}
			if l.Stage == "won" {
				amount := float64(5+rng.IntN(60)) * 1000
				l.Deal["amount"], l.Deal["currency"], l.Deal["revenue_minor"] = amount, "EUR", int64(amount*100)
				l.Deal["closed_at"] = answered.Add(30 * 24 * time.Hour)
				// A customer's page views after the deal: they follow the outcome.
				for d := range 4 {
					l.Signals = append(l.Signals, signal{Kind: "page_view", At: answered.Add(time.Duration(40+d*24) * time.Hour)})
				}
			}
		default:
			l.Handoff = map[string]any{"state": "answered", "sent_at": sent, "answered_at": answered}
			switch pick("lost", "rejected", "sent back") {
			case "lost":
				l.Stage = "lost"
				l.Deal = map[string]any{"accepted_at": answered, "lost_reason": "no budget", "closed_at": answered.Add(20 * 24 * time.Hour)}
			case "rejected":
				l.Stage = "rejected"
			default:
				l.Stage, l.Handoff = "nurturing", nil
				l.SentBack = map[string]any{"at": answered, "reason": "not_now", "times": 1}
			}
		}
		leads = append(leads, l)
	}
	fmt.Fprintf(os.Stdout, "{\"count\": %d, \"leads\": [\n", len(leads))
	for i, l := range leads {
		b, err := json.Marshal(l)
		if err != nil {
			panic(err)
		}
		sep := ","
		if i == len(leads)-1 {
			sep = ""
		}
		fmt.Fprintf(os.Stdout, "%s%s\n", b, sep)
	}
	fmt.Fprintln(os.Stdout, "]}")
}
