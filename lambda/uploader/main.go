// Command uploader is the Lambda entry point (the "bootstrap" binary) of the
// uploader function: it stores one object per invocation in the private
// bucket. The same binary runs as the in-VPC uploader and as the non-VPC
// control; see package handler for the behaviour and package contract for
// the interface.
//
// main only wires: configuration is read and checked once, the S3 client is
// built once per container, and any problem stops the function at init with
// one line on stderr, which Lambda shows as the init error.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/privates3/privates3/lambda/uploader/handler"
)

func main() {
	cfg, err := handler.ConfigFromEnv(os.LookupEnv)
	if err != nil {
		fail(err)
	}
	client, err := handler.NewS3Client(context.Background())
	if err != nil {
		fail(err)
	}
	// JSON whatever the function's log format, with Lambda's key names
	// (timestamp, message) so CloudWatch parses the lines.
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: lambdacontext.ReplaceAttr}))
	slog.SetDefault(log)
	lambda.Start(handler.New(cfg, client, log))
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "uploader: configuration error: %v\n", err)
	os.Exit(1)
}
