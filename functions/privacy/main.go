// Command privacy is the IAM-authorised admin Lambda for data-subject
// requests: export everything held about an address, or erase it.
package main

import (
	"github.com/leadflow/leadflow/shared/app"
)

func main() { app.Start(app.PrivacyFunction()) }
