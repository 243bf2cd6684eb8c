// Command prover is the privacy canary's function (constructs/canary): on
// each scheduled run it invokes the uploader and the control with probe
// events, judges them with the post-deploy check's own code
// (app/postdeploy/probe.Canary) and logs the verdict in CloudWatch's
// embedded metric format, which becomes the metric PrivateS3/PrivacyProven
// its alarm watches. It runs outside any VPC: it calls Lambda's API, not
// S3.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/privates3/privates3/app/postdeploy/probe"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "load AWS config:", err)
		os.Exit(1)
	}
	lam := awslambda.NewFromConfig(cfg)
	lambda.Start(func(ctx context.Context) error {
		// The request id makes the probe keys unique per run.
		id := "canary"
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			id += "-" + lc.AwsRequestID
		}
		_, err := probe.Canary(ctx, lam, os.Getenv, id, time.Now(), os.Stdout)
		return err
	})
}
