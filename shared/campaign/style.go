package campaign

import (
	"html"
	"html/template"
	"sort"
	"strings"
)

// styles are the form's looks by element role. The hosted page turns them
// into classes (lf-<role>) in its <style>; the snippet puts them inline, so
// it looks the same pasted into any site and needs no stylesheet. One table
// keeps the two from drifting apart. No value may hold " & < or >.
var styles = map[string]string{
	"form":         "display:grid;grid-template-columns:repeat(auto-fit,minmax(15rem,1fr));gap:1.1rem 1.25rem;margin:0;line-height:1.5",
	"note":         "grid-column:1/-1;margin:0;font-size:.875rem;color:#5a6472",
	"field":        "display:flex;flex-direction:column;gap:.35rem;min-width:0",
	"wide":         "display:flex;flex-direction:column;gap:.35rem;min-width:0;grid-column:1/-1",
	"label":        "font-weight:600;font-size:.95rem",
	"req":          "color:#b42318",
	"input":        "box-sizing:border-box;width:100%;padding:.6rem .75rem;border:1px solid #7d8797;border-radius:6px;background:#fff;color:#1d2433;font:inherit;line-height:1.4",
	"textarea":     "box-sizing:border-box;width:100%;min-height:6.5rem;padding:.6rem .75rem;border:1px solid #7d8797;border-radius:6px;background:#fff;color:#1d2433;font:inherit;line-height:1.4;resize:vertical",
	"fieldset":     "grid-column:1/-1;min-width:0;margin:0;padding:0;border:0",
	"legend":       "padding:0;margin:0 0 .5rem;font-weight:600;font-size:.95rem",
	"choices":      "display:flex;flex-wrap:wrap;gap:.5rem",
	"choice":       "display:inline-flex;align-items:center;gap:.45rem;padding:.45rem .85rem;border:1px solid #7d8797;border-radius:999px;background:#fff;font-size:.95rem;cursor:pointer",
	"radio":        "margin:0;accent-color:#1f4fd1",
	"consent":      "grid-column:1/-1;display:flex;gap:.6rem;align-items:flex-start",
	"checkbox":     "flex:none;width:1.1rem;height:1.1rem;margin:.2rem 0 0;accent-color:#1f4fd1",
	"consenttext":  "font-size:.95rem;color:#3c4657",
	"privacy":      "font-size:.95rem;color:#2957d8;white-space:nowrap",
	"button":       "grid-column:1/-1;justify-self:start;padding:.8rem 1.6rem;border:0;border-radius:6px;background:#1f4fd1;color:#fff;font:inherit;font-size:1.05rem;font-weight:600;cursor:pointer",
	"problems":     "grid-column:1/-1;margin:0;padding:1rem 1.25rem;border:2px solid #b42318;border-radius:8px;background:#fff",
	"problemshead": "margin:0 0 .5rem;font-weight:700;font-size:1.05rem;color:#1d2433",
	"problemlist":  "margin:0;padding-left:1.25rem",
	"problemlink":  "color:#b42318;font-weight:600",
	"hp":           "position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden",
}

// styleAttr is a role's class (hosted page) or inline style (snippet).
func styleAttr(inline bool, role string) template.HTMLAttr {
	if inline {
		return template.HTMLAttr(` style="` + html.EscapeString(styles[role]) + `"`)
	}
	return template.HTMLAttr(` class="lf-` + role + `"`)
}

// pageCSS is the hosted page's stylesheet: the role styles as classes,
// plus what only a stylesheet can say (focus, hover, checked, small screens).
var pageCSS = func() template.CSS {
	roles := make([]string, 0, len(styles))
	for r := range styles {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	var b strings.Builder
	b.WriteString(`*,*::before,*::after{box-sizing:border-box}
body{margin:0;background:#f3f5f9;color:#1d2433;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;line-height:1.5}
.lf-page{max-width:46rem;margin:0 auto;padding:3.5rem 1.25rem 4rem}
.lf-page h1{margin:0 0 .75rem;font-size:clamp(1.75rem,4.5vw,2.5rem);line-height:1.15;letter-spacing:-.01em}
.lf-offer{margin:0 0 2rem;font-size:1.2rem;color:#3c4657;white-space:pre-line}
.lf-card{padding:2rem;background:#fff;border-radius:14px;box-shadow:0 1px 3px #0000001a,0 10px 30px #00000012}
`)
	for _, r := range roles {
		b.WriteString(".lf-" + r + "{" + styles[r] + "}\n")
	}
	b.WriteString(`.lf-input:focus,.lf-textarea:focus{outline:3px solid #1f4fd155;outline-offset:1px;border-color:#1f4fd1}
.lf-choice:has(input:checked){border-color:#1f4fd1;background:#eef2ff}
.lf-choice:has(input:focus-visible){outline:3px solid #1f4fd155;outline-offset:1px}
.lf-button:hover{background:#173fae}.lf-button:focus-visible{outline:3px solid #1f4fd1;outline-offset:3px}
.lf-ended{text-align:center}
.lf-error{margin:0;color:#b42318;font-weight:600;font-size:.95rem}
.lf-input[aria-invalid=true],.lf-textarea[aria-invalid=true]{border:2px solid #b42318}
.lf-problems:focus{outline:3px solid #b42318;outline-offset:2px}
.lf-thanks{margin:0 0 1rem;font-size:1.05rem;color:#3c4657}.lf-thanks:last-child{margin-bottom:0}
.lf-next{margin:1.5rem 0 .75rem;font-size:1.15rem}
.lf-steps{margin:0 0 1.5rem;padding:0;list-style:none;display:flex;flex-wrap:wrap;gap:.75rem}
.lf-step{display:inline-block;padding:.7rem 1.3rem;border-radius:6px;background:#1f4fd1;color:#fff;font-weight:600;text-decoration:none}
.lf-step:hover{background:#173fae}.lf-step:focus-visible,.lf-back:focus-visible{outline:3px solid #1f4fd1;outline-offset:3px}
.lf-back{color:#2957d8}
.lf-framed{padding:1rem .25rem}.lf-framed h1{font-size:1.6rem}.lf-framed .lf-offer{margin-bottom:1.25rem;font-size:1.05rem}
@media (max-width:32rem){.lf-page{padding-top:2rem}.lf-card{padding:1.25rem}}
`)
	return template.CSS(b.String())
}()
