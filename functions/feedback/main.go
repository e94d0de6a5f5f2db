// Command feedback is the Lambda behind /feedback/{token}: sales accept or
// reject a lead (with a reason) from the alert's signed links, and later
// mark it SQL, won or lost.
package main

import (
	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/paramstore"
)

func main() { app.Start(app.FeedbackFunction(), paramstore.Service) }
