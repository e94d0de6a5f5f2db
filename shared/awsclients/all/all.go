// Package all lists every AWS service adapter, for the local gateway and
// the tests, which build any function; a Lambda's main names only the
// services its own function uses.
package all

import (
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/mail/sesmail"
	"github.com/leadflow/leadflow/shared/paramstore"
	"github.com/leadflow/leadflow/shared/publish/eventbus"
	"github.com/leadflow/leadflow/shared/s3store"
)

// Services are every service's clients.
var Services = []awsclients.Service{sesmail.Service, paramstore.Service, eventbus.Service, s3store.Service}
