using OneTimeNotif.Host;

StandaloneHost.Build(args).Run();
