// Command capture is the Lambda behind POST /leads: it stores landing-page
// submissions (HTML form or JSON) as leads in DynamoDB, qualifies them and
// alerts sales about hot ones at once.
package main

import (
	_ "time/tzdata" // lead time zones must resolve without the OS database

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/mail/sesmail"
	"github.com/leadflow/leadflow/shared/paramstore"
)

func main() { app.Start(app.CaptureFunction(), sesmail.Service, paramstore.Service) }
