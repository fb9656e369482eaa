using Sync.Inside;

return await InsideCommands.RunAsync(args);
