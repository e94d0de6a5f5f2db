// Command capture is the Lambda behind POST /leads: it stores landing-page
// submissions (HTML form or JSON) as leads in DynamoDB, qualifies them and
// alerts sales about hot ones at once.
package main

import (
	_ "time/tzdata" // lead time zones must resolve without the OS database

	"github.com/leadflow/leadflow/shared/app"
)

func main() { app.Start("capture") }
