package awsclients

import (
	"context"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/shared/config"
)

func TestFromEnvironment(t *testing.T) {
	lambdaEnv := map[string]string{
		"AWS_ACCESS_KEY_ID": "ASIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token", "AWS_REGION": "eu-central-1",
	}
	without := func(k string) map[string]string {
		m := map[string]string{}
		for key, v := range lambdaEnv {
			if key != k {
				m[key] = v
			}
		}
		return m
	}
	for _, tc := range []struct {
		name       string
		env        map[string]string
		ep         config.AWS
		wantRegion string
		wantErr    string
	}{
		{name: "Lambda's variables", env: lambdaEnv, wantRegion: "eu-central-1"},
		{name: "the config's region wins", env: lambdaEnv, ep: config.AWS{Region: "us-east-1"}, wantRegion: "us-east-1"},
		{name: "no access key", env: without("AWS_ACCESS_KEY_ID"), wantErr: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"},
		{name: "no secret", env: without("AWS_SECRET_ACCESS_KEY"), wantErr: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"},
		{name: "no region", env: without("AWS_REGION"), wantErr: "AWS_REGION is not set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := FromEnvironment(func(k string) string { return tc.env[k] }, tc.ep)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b.Config.Region != tc.wantRegion {
				t.Errorf("region = %q, want %q", b.Config.Region, tc.wantRegion)
			}
			creds, err := b.Config.Credentials.Retrieve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if creds.AccessKeyID != "ASIAEXAMPLE" || creds.SecretAccessKey != "secret" || creds.SessionToken != "token" {
				t.Errorf("credentials = %+v, want the environment's", creds)
			}
		})
	}
}
