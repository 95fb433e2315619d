package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/vpclink/vpclink/awsops"
)

func TestTheAWSConfigurationsMaxAttemptsBoundsEveryCall(t *testing.T) {
	tests := map[string]struct {
		profile string
		env     string
		want    int
	}{
		"max_attempts in the profile":  {profile: "retry", want: 4},
		"AWS_MAX_ATTEMPTS":             {env: "3", want: 3},
		"neither: vpclink's own bound": {want: awsops.DefaultMaxAttempts},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			config := filepath.Join(dir, "config")
			if err := os.WriteFile(config, []byte("[default]\nregion = eu-west-1\n\n[profile retry]\nregion = eu-west-1\nmax_attempts = 4\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Setenv("AWS_CONFIG_FILE", config)
			t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
			t.Setenv("AWS_PROFILE", "")
			t.Setenv("AWS_REGION", "")
			t.Setenv("AWS_MAX_ATTEMPTS", tc.env)
			acct, err := openAccount(context.Background(), &globals{profile: tc.profile}, "")
			if err != nil {
				t.Fatal(err)
			}
			if acct.Pace.MaxAttempts != tc.want {
				t.Errorf("each call is tried up to %d times, want %d", acct.Pace.MaxAttempts, tc.want)
			}
		})
	}
}
