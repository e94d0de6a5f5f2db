// Command minimal is the smallest useful Lambda: the floor the functions'
// binary sizes are compared with in `make bench`.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, map[string]any) (string, error) { return "ok", nil })
}
