// Command reports is the Lambda behind GET /reports (IAM-authorised: JSON,
// CSV and the HTML dashboard per campaign and variant) and the weekly
// digest email to marketing (EventBridge schedule).
package main

import (
	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/mail/sesmail"
)

func main() { app.Start(app.ReportsFunction(), sesmail.Service) }
