// A Node.js handler as the Lambda console writes it (ES module, async).
export const handler = async (event, context) => {
  console.log('event', JSON.stringify(event));
  if (event.fail) {
    throw new Error(`failing as asked: ${event.fail}`);
  }
  return {
    statusCode: 200,
    body: JSON.stringify({ message: `hello ${event.name ?? 'world'}`, function: context.functionName }),
  };
};
