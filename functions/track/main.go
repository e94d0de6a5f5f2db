// Command track is the Lambda behind engagement tracking: email link
// clicks (GET /t/c/{token}), site page views (POST /events) and the site
// snippet (GET /t/s.js). Engagement re-grades the lead and alerts sales
// when it turns hot.
package main

import (
	_ "time/tzdata" // lead time zones must resolve without the OS database

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/mail/sesmail"
	"github.com/leadflow/leadflow/shared/paramstore"
)

func main() { app.Start(app.TrackFunction(), sesmail.Service, paramstore.Service) }
