// Building blocks shared by every construct of the library. Only what users also need is exported here.
export {};
