"""The intelligent assistant (智能客服): NLU, knowledge, dialogue flows and hand-off."""
