// Command unsubscribe is the Lambda behind /unsubscribe/{token}: one-click
// (RFC 8058) and confirm-page opt-outs that put the address on the
// suppression list.
package main

import (
	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/paramstore"
)

func main() { app.Start(app.UnsubscribeFunction(), paramstore.Service) }
