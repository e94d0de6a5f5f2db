// Command nurture is the scheduled Lambda (EventBridge): each tick it works
// the leads due in the sparse due index — alerts still owed to sales,
// escalations of hot leads nobody answered within the SLA, and the next
// step of each lead's nurture sequence.
package main

import (
	_ "time/tzdata" // lead time zones must resolve without the OS database

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/mail/sesmail"
	"github.com/leadflow/leadflow/shared/paramstore"
)

func main() { app.Start(app.NurtureFunction(), sesmail.Service, paramstore.Service) }
