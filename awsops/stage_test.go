package awsops

import (
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	gwtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
)

func patchText(ops []gwtypes.PatchOperation) []string {
	var got []string
	for _, op := range ops {
		s := fmt.Sprintf("%s %s", op.Op, aws.ToString(op.Path))
		if op.Value != nil {
			s += "=" + aws.ToString(op.Value)
		}
		got = append(got, s)
	}
	return got
}

func TestStageSettingsChangeOnlyWhatDiffers(t *testing.T) {
	info := MethodSettings{Set: true, LoggingLevel: "INFO", RateLimit: 50, BurstLimit: 100}
	tests := map[string]struct {
		current MethodSettings
		want    StageSettings
		patch   []string
	}{
		"a new stage with logging OFF and no throttling gets no patch": {
			want: StageSettings{LoggingLevel: "OFF"},
		},
		"a new stage gets its logging and throttling": {
			want:  StageSettings{LoggingLevel: "ERROR", RateLimit: 10, BurstLimit: 20},
			patch: []string{"replace /*/*/logging/loglevel=ERROR", "replace /*/*/throttling/rateLimit=10", "replace /*/*/throttling/burstLimit=20"},
		},
		"logging OFF turns off a stage that logs": {
			current: info, want: StageSettings{LoggingLevel: "OFF"},
			patch: []string{"replace /*/*/logging/loglevel=OFF"},
		},
		"settings the stage has already are not patched": {
			current: info, want: StageSettings{LoggingLevel: "INFO", RateLimit: 50, BurstLimit: 200},
			patch: []string{"replace /*/*/throttling/burstLimit=200"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := patchText(tc.want.ChangeOperations(tc.current)); !slices.Equal(got, tc.patch) {
				t.Errorf("patch = %v, want %v", got, tc.patch)
			}
		})
	}
}

func TestMethodSettingsRestoreOperations(t *testing.T) {
	before := MethodSettings{Set: true, LoggingLevel: "INFO", DataTrace: true, RateLimit: 50, BurstLimit: 100}
	tests := map[string]struct {
		current, previous MethodSettings
		patch             []string
	}{
		"a stage that had no settings loses those the run set": {
			current: MethodSettings{Set: true, LoggingLevel: "ERROR", RateLimit: 10, BurstLimit: 20},
			patch:   []string{"remove /*/*"},
		},
		"a stage without settings before or after needs nothing": {},
		"each field that differs is put back": {
			current:  MethodSettings{Set: true, LoggingLevel: "OFF", DataTrace: true, Metrics: true, RateLimit: 10, BurstLimit: 100},
			previous: before,
			patch: []string{"replace /*/*/logging/loglevel=INFO", "replace /*/*/metrics/enabled=false",
				"replace /*/*/throttling/rateLimit=50"},
		},
		"settings removed since are written back whole": {
			previous: before,
			patch: []string{"replace /*/*/logging/loglevel=INFO", "replace /*/*/logging/dataTrace=true", "replace /*/*/metrics/enabled=false",
				"replace /*/*/throttling/rateLimit=50", "replace /*/*/throttling/burstLimit=100"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := patchText(tc.current.RestoreOperations(tc.previous)); !slices.Equal(got, tc.patch) {
				t.Errorf("patch = %v, want %v", got, tc.patch)
			}
		})
	}
}
