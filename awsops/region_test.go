package awsops

import (
	"strings"
	"testing"
)

func TestCheckRegionTakesAWSsRegionNamesOnly(t *testing.T) {
	for _, r := range []string{"us-east-1", "eu-west-2", "ap-southeast-4", "il-central-1", "mx-central-1", "cn-northwest-1", "us-gov-west-1", "us-isob-east-1", "eu-isoe-west-1", "eusc-de-east-1"} {
		if err := CheckRegion(r); err != nil {
			t.Errorf("%s: %v", r, err)
		}
	}
	for _, r := range []string{"", "mars-1", "/../../x", "us-east-1/../../x", "US-EAST-1", "us-east", "us_east_1", "us-east-1\n", "xx-east-1", "us-east-123"} {
		if err := CheckRegion(r); err == nil || !strings.Contains(err.Error(), "not an AWS region") {
			t.Errorf("%q: %v; want it refused", r, err)
		}
	}
}
