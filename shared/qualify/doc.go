// Package qualify decides how good a lead is and what happens to it next.
//
// The rules live in a YAML file that marketers edit without a developer:
// fit rules give points for who the lead is (job title, company size, …) and
// grade it A–D; engagement signals (a demo request, a pricing page view)
// add points that decay with a half-life; disqualifiers reject job seekers,
// students, competitors and spam outright; per-grade thresholds turn grade
// and engagement into hot, warm or cold. The same file routes leads to sales
// teams, sets the first-response SLA, lists the reasons sales can give when
// rejecting a lead, and can override any scoring section per campaign.
//
// Parse validates the whole file at once and reports every problem as
// "file:line: message", so a broken edit is caught by
// "leadflow check-config" before it reaches production. Evaluate is pure and
// cheap (no I/O, a handful of allocations) and explains every decision in
// plain words. The package imports no AWS code.
//
// Routing's time_zone settings load from the zone database of the machine
// (in Lambda: the zoneinfo.zip the build ships beside bootstrap, named by
// ZONEINFO; app.Start refuses to start without one).
package qualify
