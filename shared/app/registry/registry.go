// Package registry lists every function, for the local gateway, the bench
// and the tests, which build any of them by name with every AWS service
// (or with clients wrapped to inject faults). A Lambda's main never
// imports it: it would link every function into one binary.
package registry

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/capturefn"
	"github.com/leadflow/leadflow/shared/app/feedbackfn"
	"github.com/leadflow/leadflow/shared/app/nurturefn"
	"github.com/leadflow/leadflow/shared/app/privacyfn"
	"github.com/leadflow/leadflow/shared/app/publisherfn"
	"github.com/leadflow/leadflow/shared/app/reportsfn"
	"github.com/leadflow/leadflow/shared/app/segmentsfn"
	"github.com/leadflow/leadflow/shared/app/seseventsfn"
	"github.com/leadflow/leadflow/shared/app/trackfn"
	"github.com/leadflow/leadflow/shared/app/unsubscribefn"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/awsclients/chain"
	"github.com/leadflow/leadflow/shared/config"
)

// Functions lists every function.
func Functions() []app.Function {
	return []app.Function{capturefn.Function(), nurturefn.Function(), feedbackfn.Function(), reportsfn.Function(), privacyfn.Function(),
		trackfn.Function(), publisherfn.Function(), seseventsfn.Function(), unsubscribefn.Function(), segmentsfn.Function()}
}

// Build wires a function by its folder name from an environment, as Lambda
// would at init, with the clients of the given services
// (awsclients/all.Services: every one). Errors are the readable config
// errors main prints.
func Build(ctx context.Context, name string, services []awsclients.Service, getenv func(string) string, logw io.Writer, clock func() time.Time) (app.Handlers, error) {
	for _, f := range Functions() {
		if f.Name != name {
			continue
		}
		var ep config.AWS
		if err := config.Load(&ep, getenv); err != nil {
			return app.Handlers{}, err
		}
		b, err := chain.Load(ctx, ep)
		if err != nil {
			return app.Handlers{}, err
		}
		return f.Build(ctx, app.Env{Getenv: getenv, Logs: logw, Clock: clock}, awsclients.Use(b, services...))
	}
	return app.Handlers{}, fmt.Errorf("registry: no function %q", name)
}

// Routes lists, per function, the HTTP routes its handler serves.
func Routes() map[string][]string {
	out := map[string][]string{}
	for _, f := range Functions() {
		out[f.Name] = f.Routes
	}
	return out
}
